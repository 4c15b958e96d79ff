"""campaigns.stats against scipy, computed independently in the test, and textbook values."""

import math
import random

import pytest
from scipy import stats as sp

from campaigns.stats import (
    Moments,
    holm,
    mean_interval,
    normal_quantile,
    sample_size_means,
    sample_size_per_variant,
    t_quantile,
    t_sf_two_sided,
    two_proportions,
    welch,
    wilson,
)


@pytest.mark.parametrize("p", [1e-9, 0.001, 0.024, 0.025, 0.3, 0.5, 0.8, 0.975, 0.99999])
def test_normal_quantile_matches_scipy(p):
    assert normal_quantile(p) == pytest.approx(sp.norm.ppf(p), abs=1e-9)


@pytest.mark.parametrize("t, df", [(0.5, 3), (2.1, 10), (1.96, 1000), (4.0, 2.5), (0.0, 7)])
def test_t_tail_matches_scipy(t, df):
    assert t_sf_two_sided(t, df) == pytest.approx(2 * sp.t.sf(abs(t), df), rel=1e-9, abs=1e-12)


def test_wilson_textbook_and_scipy():
    # Newcombe (1998), example: 81 of 263 -> 0.2553 to 0.3662 (Wilson score).
    interval = wilson(81, 263)
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.2553, 0.3662)
    for k, n in [(0, 10), (10, 10), (3, 1000), (480, 1000)]:
        reference = sp.binomtest(k, n).proportion_ci(0.95, method="wilson")
        got = wilson(k, n)
        assert (got.low, got.high) == pytest.approx((reference.low, reference.high), abs=1e-9)


def test_two_proportions_is_the_wald_z_test():
    x_a, n_a, x_b, n_b = 200, 5000, 260, 5000
    result = two_proportions(x_a, n_a, x_b, n_b)
    p_a, p_b = x_a / n_a, x_b / n_b
    se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    z = (p_b - p_a) / se
    assert result.statistic == pytest.approx(z)
    assert result.p_value == pytest.approx(2 * sp.norm.sf(abs(z)))
    assert (result.low, result.high) == pytest.approx(
        (p_b - p_a - sp.norm.ppf(0.975) * se, p_b - p_a + sp.norm.ppf(0.975) * se)
    )
    assert result.significant()
    # At equal sizes it is close to the pooled test (the chi-square on the 2x2 table).
    chi2 = sp.chi2_contingency([[x_a, n_a - x_a], [x_b, n_b - x_b]], correction=False)
    assert result.p_value == pytest.approx(chi2.pvalue, rel=0.05)


@pytest.mark.parametrize("seed", range(200))
def test_significance_and_the_interval_always_agree(seed):
    rng = random.Random(seed)
    n_a, n_b = rng.randint(50, 500), rng.randint(500, 20_000)  # a holdout and its sent group
    x_a, x_b = rng.randint(0, n_a // 10), rng.randint(0, n_b // 8)

    result = two_proportions(x_a, n_a, x_b, n_b)

    assert result.significant() == (result.low > 0 or result.high < 0)


def test_two_proportions_with_no_difference_is_not_significant():
    result = two_proportions(50, 1000, 50, 1000)
    assert (result.difference, result.p_value) == (0.0, 1.0)


def test_welch_matches_scipy_on_skewed_revenue():
    rng = random.Random(7)
    a = [rng.expovariate(1 / 40) if rng.random() < 0.05 else 0.0 for _ in range(4000)]
    b = [rng.expovariate(1 / 45) if rng.random() < 0.07 else 0.0 for _ in range(3500)]
    got = welch(
        Moments(len(a), sum(a), sum(x * x for x in a)),
        Moments(len(b), sum(b), sum(x * x for x in b)),
    )
    reference = sp.ttest_ind(b, a, equal_var=False)
    assert got.statistic == pytest.approx(reference.statistic, rel=1e-9)
    assert got.p_value == pytest.approx(reference.pvalue, rel=1e-7)
    ci = reference.confidence_interval(0.95)
    assert (got.low, got.high) == pytest.approx((ci.low, ci.high), rel=1e-6)


def test_holm_step_down():
    # Holm (1979)-style example: alpha 0.05, four p-values.
    assert holm([0.01, 0.04, 0.03, 0.005]) == [True, False, False, True]
    assert holm([0.001, 0.012, 0.02]) == [True, True, True]
    assert holm([0.2]) == [False]


def test_sample_size_matches_the_textbook_formula():
    # Fleiss: p1 = 0.10 vs p2 = 0.11, alpha 0.05 two-sided, power 0.8 -> about 14,750 per arm.
    n = sample_size_per_variant(0.10, 0.01)
    assert 14_700 <= n <= 14_800
    assert sample_size_per_variant(0.02, 0.01) < n


def test_sample_size_for_means_matches_the_normal_formula():
    # n = 2 ((z_{0.975} + z_{0.8}) sd / delta)^2, with scipy's quantiles.
    z = sp.norm.ppf(0.975) + sp.norm.ppf(0.8)
    assert sample_size_means(20.0, 1.5) == math.ceil(2 * (z * 20.0 / 1.5) ** 2)
    assert sample_size_means(20.0, 0.0) == 0


def test_mean_interval_matches_scipy():
    rng = random.Random(3)
    values = [rng.expovariate(1 / 30) if rng.random() < 0.1 else 0.0 for _ in range(900)]
    got = mean_interval(Moments(len(values), sum(values), sum(x * x for x in values)))
    low, high = sp.t.interval(0.95, len(values) - 1, loc=sp.tmean(values), scale=sp.sem(values))
    assert (got.low, got.high) == pytest.approx((low, high), rel=1e-7)


@pytest.mark.parametrize("df", [1, 2.5, 7, 30, 99.9, 100, 250, 4_000, 250_000, 1e8])
@pytest.mark.parametrize("p", [0.025, 0.5, 0.9, 0.975, 0.999])
def test_t_quantile_matches_scipy(p, df):
    # Bisection below 100 degrees of freedom, the Cornish-Fisher expansion from 100 on.
    assert t_quantile(p, df) == pytest.approx(sp.t.ppf(p, df), rel=1e-8, abs=1e-8)
