"""Statistics for campaign results, in plain Python (no numeric stack in production).

- Rates get Wilson score intervals (good at small counts and near 0 or 1, unlike Wald).
- Two rates are compared with the two-proportion Wald z-test: the same (unpooled) standard
  error for the test and the interval of the difference, so that they never disagree.
- Revenue per recipient is skewed (most recipients spend nothing), so two variants are
  compared with Welch's t-test on means, which does not assume equal variances; at the sample
  sizes of campaigns the central limit theorem carries the skew. It needs only the count, sum
  and sum of squares per variant, which SQL gives in one pass.
- Several variants against the first (the control) use Holm's correction: the smallest p-value
  is tested at alpha/m, the next at alpha/(m-1), ...
The tests check these against scipy.
"""

import math
from dataclasses import dataclass

ALPHA = 0.05


def normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


def normal_quantile(p: float) -> float:
    """Inverse of the standard normal CDF (Acklam's rational approximation, refined once)."""
    if not 0 < p < 1:
        raise ValueError("p must be between 0 and 1")
    a = (
        -3.969683028665376e01,
        2.209460984245205e02,
        -2.759285104469687e02,
        1.383577518672690e02,
        -3.066479806614716e01,
        2.506628277459239e00,
    )
    b = (
        -5.447609879822406e01,
        1.615858368580409e02,
        -1.556989798598866e02,
        6.680131188771972e01,
        -1.328068155288572e01,
    )
    c = (
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e00,
        -2.549732539343734e00,
        4.374664141464968e00,
        2.938163982698783e00,
    )
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00,
         3.754408661907416e00)  # fmt: skip
    low = 0.02425
    if p < low:
        q = math.sqrt(-2 * math.log(p))
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        )
    elif p <= 1 - low:
        q = p - 0.5
        r = q * q
        x = (
            (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
            * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        )
    else:
        return -normal_quantile(1 - p)
    # One Halley step brings the error to machine precision.
    e = normal_cdf(x) - p
    u = e * math.sqrt(2 * math.pi) * math.exp(x * x / 2)
    return x - u / (1 + x * u / 2)


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (Lentz's method)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return front * _betacf(a, b, x) / a
    return 1 - front * _betacf(b, a, 1 - x) / b


def t_sf_two_sided(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with df degrees of freedom."""
    return _betainc(df / 2, 0.5, df / (df + t * t))


def _t_quantile_expansion(p: float, df: float) -> float:
    """Cornish-Fisher expansion about the normal quantile (Abramowitz & Stegun 26.7.5): at
    100 degrees of freedom and more it agrees with the exact quantile to about 1e-9, and
    costs no incomplete beta (campaign sizes give thousands)."""
    z = normal_quantile(p)
    z2 = z * z
    return z + sum(
        term / df**power
        for power, term in enumerate(
            (
                z * (z2 + 1) / 4,
                z * ((5 * z2 + 16) * z2 + 3) / 96,
                z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / 384,
                z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) / 92160,
            ),
            start=1,
        )
    )


def t_quantile(p: float, df: float) -> float:
    """Inverse CDF of Student's t, by bisection on the two-sided tail (only used for CIs)."""
    if df >= 100:
        return _t_quantile_expansion(p, df)
    tail = 2 * min(p, 1 - p)  # two-sided tail probability of the wanted |t|
    low, high = 0.0, 1e3
    # About 50 halvings bring 1e3 down to 1e-12, past which nothing changes in a float; each
    # step costs an incomplete beta, and the results page computes a dozen quantiles.
    while high - low > 1e-12:
        mid = (low + high) / 2
        if t_sf_two_sided(mid, df) > tail:
            low = mid
        else:
            high = mid
    return (low + high) / 2 if p >= 0.5 else -(low + high) / 2


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float


def wilson(successes: int, n: int, confidence: float = 0.95) -> Interval:
    if n <= 0:
        return Interval(0.0, 0.0, 0.0)
    z = normal_quantile(1 - (1 - confidence) / 2)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Comparison:
    difference: float  # b - a
    low: float
    high: float
    statistic: float
    p_value: float

    def significant(self, alpha: float = ALPHA) -> bool:
        return self.p_value < alpha


def two_proportions(x_a: int, n_a: int, x_b: int, n_b: int, confidence=0.95) -> Comparison:
    """B against A: the Wald z-test, whose standard error (unpooled) is also the interval's,
    so that "significant" and "the interval leaves out 0" always agree. (The pooled-variance
    z-test can disagree with that interval when the groups differ in size, as a holdout and
    its sent group do: a page saying "not significant, 95% CI [1.3, 8.1]" would confuse.)
    Where the unpooled error is 0 (0% or 100% in both), the pooled one is used."""
    if n_a <= 0 or n_b <= 0:
        return Comparison(0.0, 0.0, 0.0, 0.0, 1.0)
    p_a, p_b = x_a / n_a, x_b / n_b
    diff = p_b - p_a
    se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    if se == 0:
        pooled = (x_a + x_b) / (n_a + n_b)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return Comparison(diff, diff, diff, 0.0, 1.0)
    z = diff / se
    q = normal_quantile(1 - (1 - confidence) / 2)
    return Comparison(diff, diff - q * se, diff + q * se, z, 2 * (1 - normal_cdf(abs(z))))


@dataclass(frozen=True)
class Moments:
    """n, sum and sum of squares of a per-recipient value (revenue), from one SQL pass."""

    n: int
    total: float
    squares: float

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        if self.n < 2:
            return 0.0
        return max(0.0, (self.squares - self.total * self.total / self.n) / (self.n - 1))


def welch(a: Moments, b: Moments, confidence: float = 0.95) -> Comparison:
    """B's mean against A's, Welch's t-test and the Welch-Satterthwaite interval."""
    diff = b.mean - a.mean
    if a.n < 2 or b.n < 2:
        return Comparison(diff, -math.inf, math.inf, 0.0, 1.0)
    va, vb = a.variance / a.n, b.variance / b.n
    se = math.sqrt(va + vb)
    if se == 0:
        return Comparison(diff, diff, diff, 0.0, 1.0 if diff == 0 else 0.0)
    t = diff / se
    df = (va + vb) ** 2 / (va * va / (a.n - 1) + vb * vb / (b.n - 1))
    q = t_quantile(1 - (1 - confidence) / 2, df)
    return Comparison(diff, diff - q * se, diff + q * se, t, t_sf_two_sided(t, df))


def holm(p_values: list[float], alpha: float = ALPHA) -> list[bool]:
    """Which hypotheses Holm's step-down procedure rejects, in the order given."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    rejected = [False] * len(p_values)
    m = len(p_values)
    for rank, i in enumerate(order):
        if p_values[i] >= alpha / (m - rank):
            break
        rejected[i] = True
    return rejected


def sample_size_per_variant(
    baseline: float, lift: float = 0.01, alpha: float = ALPHA, power: float = 0.8
) -> int:
    """Recipients per variant for a two-sided test to detect `baseline` -> `baseline + lift`."""
    p1 = min(max(baseline, 1e-6), 1 - 1e-6)
    p2 = min(max(p1 + lift, 1e-6), 1 - 1e-6)
    z_a, z_b = normal_quantile(1 - alpha / 2), normal_quantile(power)
    mean = (p1 + p2) / 2
    root = z_a * math.sqrt(2 * mean * (1 - mean)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(root * root / (p2 - p1) ** 2)


def sample_size_means(
    sd: float, difference: float, alpha: float = ALPHA, power: float = 0.8
) -> int:
    """Recipients per variant for a two-sided test to detect a difference of two means (normal
    approximation, equal spreads)."""
    if difference <= 0 or sd <= 0:
        return 0
    z_a, z_b = normal_quantile(1 - alpha / 2), normal_quantile(power)
    return math.ceil(2 * ((z_a + z_b) * sd / difference) ** 2)


def mean_interval(moments: Moments, confidence: float = 0.95) -> Interval:
    """The mean with its t interval."""
    if moments.n < 2:
        return Interval(moments.mean, moments.mean, moments.mean)
    half = t_quantile(1 - (1 - confidence) / 2, moments.n - 1) * math.sqrt(
        moments.variance / moments.n
    )
    return Interval(moments.mean, moments.mean - half, moments.mean + half)
