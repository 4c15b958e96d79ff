"""Who receives a campaign: the audience, counted (plan) and frozen into delivery rows (freeze).

Each track's segment members are classified in SQL, in this order (the first reason wins):

1. already_in_earlier_track: an earlier track's segment has them (first track wins);
2. no_consent: no granted consent for the channel, or no address (`reachable_q`);
3. topic: the campaign has a topic and they did not subscribe to it on this channel;
4. frequency_preference: they asked for at most one message every N days and a message of
   another campaign was sent to them in the last N days;
5. frequency_cap: SEGMENTA_FREQUENCY_CAP_MESSAGES messages of other campaigns were sent to them
   in the last SEGMENTA_FREQUENCY_CAP_DAYS days (0 messages: no cap).

Everyone else gets a delivery row: holdout when bucket(h) < holdout_percent, else the variant
whose cumulative weight range holds variant_bucket(h); in test-then-winner mode a row outside
the test share (test_bucket(h) >= test_percent) waits for the winner instead of being queued
(status "waiting", with its split variant in case no winner is picked). h is
`mix(campaign, customer)` below, computed inside the SQL statement exactly as the Python
function computes it, so that freezing again assigns the same people the same way.

Freezing is one INSERT ... SELECT per track, ON CONFLICT (campaign, customer) DO NOTHING, in
one transaction: never a Python loop over customers, and a second freeze adds nothing.
"""

import dataclasses
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, Exists, OuterRef, Q, Value, When
from django.utils import timezone

from campaigns.models import AbMode, Campaign, Delivery, DeliveryStatus, Track
from segmentation.consent.models import TopicConsent
from segmentation.customers.models import ConsentStatus, Customer
from segmentation.segments.catalogue import reachable_q
from segmentation.segments.tree import compile_definition

EARLIER_TRACK = "already_in_earlier_track"
NO_CONSENT = "no_consent"
TOPIC = "topic"
FREQUENCY_PREFERENCE = "frequency_preference"
FREQUENCY_CAP = "frequency_cap"
REASONS = (EARLIER_TRACK, NO_CONSENT, TOPIC, FREQUENCY_PREFERENCE, FREQUENCY_CAP)

# The mix: Thomas Mueller's 32-bit integer hash (two xorshift-multiply rounds and a final
# xorshift; good avalanche, every product below 2^59 so no bigint overflow), over
# customer_id + campaign_id * 2654435769 (the golden-ratio constant, so that campaigns are far
# apart). PostgreSQL writes XOR as #.
# The two decimal digit pairs of h are independent enough to be two draws: h % 100 decides
# the holdout, (h / 100) % 100 the variant.
MASK = 0xFFFFFFFF
GOLDEN = 2654435769
MULTIPLIER = 0x45D9F3B


def mix(campaign_id: int, customer_id: int) -> int:
    """The hash in Python, for tests and explanations; the SQL below computes the same."""
    x = (customer_id + campaign_id * GOLDEN) & MASK
    x = ((x ^ (x >> 16)) * MULTIPLIER) & MASK
    x = ((x ^ (x >> 16)) * MULTIPLIER) & MASK
    return x ^ (x >> 16)


def holdout_bucket(h: int) -> int:
    return h % 100


def variant_bucket(h: int) -> int:
    return (h // 100) % 100


def _xor_shift(x: str) -> str:
    """x ^ (x >> 16); # and >> share one precedence in PostgreSQL, hence the parentheses."""
    return f"({x} # ({x} >> 16))"


# Layered derived tables keep each step's expression written once (each step reads its
# operand twice).
# Every "%" is doubled: the statement carries parameters.
_HASHED = f"""
SELECT customer_id, reason, {_xor_shift("x3")} AS h FROM (
  SELECT customer_id, reason, ({_xor_shift("x2")} * {MULTIPLIER}) & {MASK} AS x3 FROM (
    SELECT customer_id, reason, ({_xor_shift("x1")} * {MULTIPLIER}) & {MASK} AS x2 FROM (
      SELECT m.id AS customer_id, m.reason AS reason, (m.id + %s * {GOLDEN}) & {MASK} AS x1
      FROM ({{members}}) m
    ) s1
  ) s2
) s3
"""


@dataclasses.dataclass
class TrackPlan:
    track_id: int
    position: int
    segment: str
    skipped: dict[str, int]  # reason -> customers of this segment left out for it
    holdout: int
    variants: dict[str, int]  # variant label -> recipients (of the test, in winner mode)
    waiting: int = 0  # winner mode: the rest, who get the winner

    @property
    def eligible(self) -> int:
        """Customers of this track who get a delivery row (holdout included)."""
        return self.holdout + sum(self.variants.values()) + self.waiting

    @property
    def matched(self) -> int:
        """Members of the segment."""
        return self.eligible + sum(self.skipped.values())


@dataclasses.dataclass
class Plan:
    """Counts per track. `skipped` sums the tracks: a customer in three tracks is decided in
    the first and counted under already_in_earlier_track in each of the two others."""

    tracks: list[TrackPlan]
    skipped: dict[str, int]

    @property
    def eligible(self) -> int:
        return sum(track.eligible for track in self.tracks)

    @property
    def holdout(self) -> int:
        return sum(track.holdout for track in self.tracks)

    @property
    def recipients(self) -> int:
        """Messages to send: eligible minus holdout."""
        return self.eligible - self.holdout


def plan(campaign: Campaign, now: datetime | None = None) -> Plan:
    """What freezing would do now, without writing anything (the review screen's counts)."""
    now = now or timezone.now()
    tracks = _tracks(campaign)
    plans = [_count(campaign, track, tracks[:i], now) for i, track in enumerate(tracks)]
    return Plan(plans, _total_skipped(plans))


def freeze(campaign: Campaign, now: datetime | None = None) -> Plan:
    """Write one delivery row per recipient (and per holdout member); store the skip counts.

    Idempotent: a campaign that has delivery rows is frozen already and gets nothing more.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Two launches at once: the second waits here, then finds the rows.
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        if Delivery.objects.filter(campaign=campaign).exists():
            return frozen_plan(campaign)
        tracks = _tracks(campaign)
        skipped = []
        for i, track in enumerate(tracks):
            if not track.variants.all():
                raise ValueError(f"Track {track.position} has no variant to send.")
            skipped.append(_count(campaign, track, tracks[:i], now).skipped)
            _insert(campaign, track, tracks[:i], now)
        campaign.skipped = _sum_reasons(skipped)
        Campaign.objects.filter(pk=campaign.pk).update(skipped=campaign.skipped)
    return frozen_plan(campaign, tracks, skipped)


def frozen_plan(
    campaign: Campaign,
    tracks: list[Track] | None = None,
    skipped: list[dict[str, int]] | None = None,
) -> Plan:
    """The plan of a frozen campaign, read from its delivery rows (per-track skip reasons
    are known only right after freezing; campaign.skipped keeps the totals)."""
    tracks = tracks if tracks is not None else _tracks(campaign)
    # Grouped in the database: a million rows come back as a few dozen.
    rows = (
        Delivery.objects.filter(campaign=campaign)
        .order_by()
        .values_list("track_id", "variant__label", "status")
        .annotate(n=Count("id"))
    )
    plans = []
    for i, track in enumerate(tracks):
        variants = {v.label: 0 for v in track.variants.all()}
        holdout = waiting = 0
        for track_id, label, status, n in rows:
            if track_id != track.pk:
                continue
            if status == DeliveryStatus.HOLDOUT:
                holdout += n
            elif status == DeliveryStatus.WAITING:
                waiting += n
            else:
                variants[label] = variants.get(label, 0) + n
        reasons = skipped[i] if skipped else {}
        plans.append(
            TrackPlan(
                track.pk, track.position, track.segment.name, reasons, holdout, variants, waiting
            )
        )
    return Plan(plans, dict(campaign.skipped or {}))


def _tracks(campaign: Campaign) -> list[Track]:
    return list(
        campaign.tracks.select_related("segment")
        .prefetch_related("variants")
        .order_by("position", "id")
    )


def _total_skipped(plans: list[TrackPlan]) -> dict[str, int]:
    return _sum_reasons([p.skipped for p in plans])


def _sum_reasons(parts: list[dict[str, int]]) -> dict[str, int]:
    total = dict.fromkeys(REASONS, 0)
    for part in parts:
        for reason, n in part.items():
            total[reason] += n
    return total


# --- the classification ------------------------------------------------------------------


def _segment_q(track: Track) -> Q:
    q = compile_definition(track.segment.definition, track.segment_id)
    # An empty definition matches everyone; When() refuses an empty Q.
    return q if q else Q(pk__isnull=False)


def _frequency_preference_q(campaign: Campaign, now: datetime) -> Q | None:
    """Customers whose preferred frequency another campaign's recent message already used."""
    q = None
    days_in_use = (
        Customer.objects.exclude(frequency_days=None)
        .order_by()
        .values_list("frequency_days", flat=True)
        .distinct()
    )
    for days in days_in_use:
        recent = _sent_elsewhere(campaign, now - timedelta(days=days))
        part = Q(frequency_days=days) & Q(Exists(recent))
        q = part if q is None else q | part
    return q


def _frequency_cap_q(campaign: Campaign, now: datetime) -> Q | None:
    cap = settings.SEGMENTA_FREQUENCY_CAP_MESSAGES
    if cap <= 0:
        return None
    since = now - timedelta(days=settings.SEGMENTA_FREQUENCY_CAP_DAYS)
    # The cap-th message exists: OFFSET cap-1 LIMIT 1 stops counting there.
    return Q(Exists(_sent_elsewhere(campaign, since)[cap - 1 : cap]))


def _sent_elsewhere(campaign: Campaign, since: datetime):
    return (
        Delivery.objects.filter(
            customer=OuterRef("pk"), status=DeliveryStatus.SENT, sent_at__gte=since
        )
        .exclude(campaign=campaign)
        .order_by()
    )


def _topic_q(campaign: Campaign) -> Q:
    granted = TopicConsent.objects.filter(
        customer=OuterRef("pk"),
        topic_id=campaign.topic_id,
        channel=campaign.channel,
        status=ConsentStatus.GRANTED,
    )
    return Q(Exists(granted))


def _reason(campaign: Campaign, earlier: list[Track], now: datetime) -> Case:
    """The first reason that leaves a member out, or "" for a recipient."""
    whens = []
    if earlier:
        before = Q()
        for track in earlier:
            before |= _segment_q(track)
        whens.append(When(before, then=Value(EARLIER_TRACK)))
    whens.append(When(~reachable_q(campaign.channel), then=Value(NO_CONSENT)))
    if campaign.topic_id:
        whens.append(When(~_topic_q(campaign), then=Value(TOPIC)))
    preference = _frequency_preference_q(campaign, now)
    if preference is not None:
        whens.append(When(preference, then=Value(FREQUENCY_PREFERENCE)))
    cap = _frequency_cap_q(campaign, now)
    if cap is not None:
        whens.append(When(cap, then=Value(FREQUENCY_CAP)))
    return Case(*whens, default=Value(""))


def _classified_sql(
    campaign: Campaign, track: Track, earlier: list[Track], now: datetime
) -> tuple[str, list]:
    """SELECT customer_id, variant_id, outcome: a reason, "holdout" or "queued"."""
    members = (
        Customer.objects.filter(_segment_q(track))
        .annotate(reason=_reason(campaign, earlier, now))
        .order_by()
        .values("id", "reason")
    )
    members_sql, members_params = members.query.sql_with_params()
    hashed = _HASHED.replace("{members}", members_sql)
    variant_sql, variant_params = _variant_case(track, campaign.holdout_percent)
    # Test-then-winner: outside the test share (a third draw, h's third digit pair) rows wait
    # for the winner; their variant is the split's, kept if no winner is picked.
    test_percent = _test_percent(campaign, track)
    sql = f"""
        SELECT customer_id, {variant_sql} AS variant_id,
               CASE WHEN reason <> '' THEN reason
                    WHEN h %% 100 < %s THEN '{DeliveryStatus.HOLDOUT.value}'
                    WHEN (h / 10000) %% 100 >= %s THEN '{DeliveryStatus.WAITING.value}'
                    ELSE '{DeliveryStatus.QUEUED.value}' END AS outcome
        FROM ({hashed}) t
    """
    # Parameters in the order their placeholders appear in the text.
    params = [
        *variant_params,
        campaign.holdout_percent,
        test_percent,
        campaign.pk,
        *members_params,
    ]
    return sql, params


def test_bucket(h: int) -> int:
    return (h // 10000) % 100


def _test_percent(campaign: Campaign, track: Track) -> int:
    """The share of the track that gets the test: everyone unless this is a winner-mode
    campaign and the track has variants to choose between."""
    if campaign.ab_mode != AbMode.WINNER or len(track.variants.all()) < 2:
        return 100
    return campaign.test_percent


def _variant_case(track: Track, holdout_percent: int) -> tuple[str, list]:
    """CASE over cumulative weights; holdout members and skipped ones get NULL."""
    variants = sorted(track.variants.all(), key=lambda v: v.label)
    parts, params, cumulative = [], [holdout_percent], 0
    for variant in variants[:-1]:
        cumulative += variant.weight
        parts.append("WHEN (h / 100) %% 100 < %s THEN %s")
        params += [cumulative, variant.pk]
    if variants:
        parts.append("ELSE %s")
        params.append(variants[-1].pk)
    whens = " ".join(parts)
    return f"CASE WHEN reason <> '' OR h %% 100 < %s THEN NULL {whens} END", params


def _count(campaign: Campaign, track: Track, earlier: list[Track], now: datetime) -> TrackPlan:
    sql, params = _classified_sql(campaign, track, earlier, now)
    grouped = f"SELECT outcome, variant_id, COUNT(*) FROM ({sql}) c GROUP BY outcome, variant_id"
    with connection.cursor() as cursor:
        cursor.execute(grouped, params)
        rows = cursor.fetchall()
    labels = {v.pk: v.label for v in track.variants.all()}
    skipped = dict.fromkeys(REASONS, 0)
    variants = {label: 0 for label in sorted(labels.values())}
    holdout = waiting = 0
    for outcome, variant_id, n in rows:
        if outcome == DeliveryStatus.HOLDOUT:
            holdout += n
        elif outcome == DeliveryStatus.WAITING:
            waiting += n
        elif outcome == DeliveryStatus.QUEUED:
            variants[labels[variant_id]] += n
        else:
            skipped[outcome] += n
    return TrackPlan(
        track.pk, track.position, track.segment.name, skipped, holdout, variants, waiting
    )


# --- the insert --------------------------------------------------------------------------

_COMPUTED = {"public_id", "campaign", "customer", "track", "variant", "status"}


def _default_columns() -> tuple[list[str], list]:
    """Every other NOT NULL column with its model default, so new fields need no change here."""
    columns, params = [], []
    for field in Delivery._meta.concrete_fields:
        if field.primary_key or field.name in _COMPUTED or field.null:
            continue
        columns.append(connection.ops.quote_name(field.column))
        params.append(field.get_db_prep_save(field.get_default(), connection))
    return columns, params


def _insert(campaign: Campaign, track: Track, earlier: list[Track], now: datetime) -> int:
    sql, params = _classified_sql(campaign, track, earlier, now)
    defaults, default_params = _default_columns()
    columns = ["public_id", "campaign_id", "customer_id", "track_id", "variant_id", "status"]
    values = ["gen_random_uuid()", "%s", "c.customer_id", "%s", "c.variant_id", "c.outcome"]
    values += ["%s"] * len(defaults)
    insert = f"""
        INSERT INTO {Delivery._meta.db_table} ({", ".join(columns + defaults)})
        SELECT {", ".join(values)} FROM ({sql}) c
        WHERE c.outcome IN ('{DeliveryStatus.HOLDOUT.value}', '{DeliveryStatus.QUEUED.value}',
                            '{DeliveryStatus.WAITING.value}')
        ON CONFLICT (campaign_id, customer_id) DO NOTHING
    """
    with connection.cursor() as cursor:
        cursor.execute(insert, [campaign.pk, track.pk, *default_params, *params])
        return cursor.rowcount
