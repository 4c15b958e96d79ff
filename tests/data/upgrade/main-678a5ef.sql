--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: segmenta_consent_event_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.segmenta_consent_event_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.customer_id IS NOT NULL AND NEW.customer_id IS NULL
       AND (to_jsonb(NEW) - 'customer_id') = (to_jsonb(OLD) - 'customer_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'consent events are append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;


--
-- Name: segmenta_facts_of_customers(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.segmenta_facts_of_customers() RETURNS trigger
    LANGUAGE plpgsql
    AS $_$
BEGIN
    IF current_setting('segmenta.facts', true) = 'deferred' THEN RETURN NULL; END IF;
    IF TG_OP = 'DELETE' THEN
        DELETE FROM segmentation_customerfacts WHERE customer_id IN (SELECT id FROM old_rows);
    ELSE
        EXECUTE $sql$INSERT INTO segmentation_customerfacts AS f (customer_id, order_count, spent, created_at, reachable_email, reachable_sms, birth_date, income, first_order_at, last_order_at, open_cart_since, frequency_days, rfm_recency, rfm_frequency, rfm_monetary, country, gender, education, device_type, os, rfm_tier, total_spent, avg_order_value, interest_ids, occupation, region, city, postal_code, attributes, placed, running, interest_bits) SELECT customer_id, order_count, spent, created_at, reachable_email, reachable_sms, birth_date, income, first_order_at, last_order_at, open_cart_since, frequency_days, rfm_recency, rfm_frequency, rfm_monetary, country, gender, education, device_type, os, rfm_tier, total_spent, avg_order_value, interest_ids, occupation, region, city, postal_code, attributes, placed, running, interest_bits FROM segmentation_customerfacts_source WHERE customer_id IN (SELECT id FROM new_rows) ON CONFLICT (customer_id) DO UPDATE SET (order_count, spent, created_at, reachable_email, reachable_sms, birth_date, income, first_order_at, last_order_at, open_cart_since, frequency_days, rfm_recency, rfm_frequency, rfm_monetary, country, gender, education, device_type, os, rfm_tier, total_spent, avg_order_value, interest_ids, occupation, region, city, postal_code, attributes, placed, running, interest_bits) = ROW(EXCLUDED.order_count, EXCLUDED.spent, EXCLUDED.created_at, EXCLUDED.reachable_email, EXCLUDED.reachable_sms, EXCLUDED.birth_date, EXCLUDED.income, EXCLUDED.first_order_at, EXCLUDED.last_order_at, EXCLUDED.open_cart_since, EXCLUDED.frequency_days, EXCLUDED.rfm_recency, EXCLUDED.rfm_frequency, EXCLUDED.rfm_monetary, EXCLUDED.country, EXCLUDED.gender, EXCLUDED.education, EXCLUDED.device_type, EXCLUDED.os, EXCLUDED.rfm_tier, EXCLUDED.total_spent, EXCLUDED.avg_order_value, EXCLUDED.interest_ids, EXCLUDED.occupation, EXCLUDED.region, EXCLUDED.city, EXCLUDED.postal_code, EXCLUDED.attributes, EXCLUDED.placed, EXCLUDED.running, EXCLUDED.interest_bits) WHERE (f.order_count, f.spent, f.created_at, f.reachable_email, f.reachable_sms, f.birth_date, f.income, f.first_order_at, f.last_order_at, f.open_cart_since, f.frequency_days, f.rfm_recency, f.rfm_frequency, f.rfm_monetary, f.country, f.gender, f.education, f.device_type, f.os, f.rfm_tier, f.total_spent, f.avg_order_value, f.interest_ids, f.occupation, f.region, f.city, f.postal_code, f.attributes, f.placed, f.running, f.interest_bits) IS DISTINCT FROM (EXCLUDED.order_count, EXCLUDED.spent, EXCLUDED.created_at, EXCLUDED.reachable_email, EXCLUDED.reachable_sms, EXCLUDED.birth_date, EXCLUDED.income, EXCLUDED.first_order_at, EXCLUDED.last_order_at, EXCLUDED.open_cart_since, EXCLUDED.frequency_days, EXCLUDED.rfm_recency, EXCLUDED.rfm_frequency, EXCLUDED.rfm_monetary, EXCLUDED.country, EXCLUDED.gender, EXCLUDED.education, EXCLUDED.device_type, EXCLUDED.os, EXCLUDED.rfm_tier, EXCLUDED.total_spent, EXCLUDED.avg_order_value, EXCLUDED.interest_ids, EXCLUDED.occupation, EXCLUDED.region, EXCLUDED.city, EXCLUDED.postal_code, EXCLUDED.attributes, EXCLUDED.placed, EXCLUDED.running, EXCLUDED.interest_bits)$sql$;
    END IF;
    RETURN NULL;
END $_$;


--
-- Name: segmenta_facts_of_links(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.segmenta_facts_of_links() RETURNS trigger
    LANGUAGE plpgsql
    AS $_$
BEGIN
    IF current_setting('segmenta.facts', true) = 'deferred' THEN RETURN NULL; END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE $sql$INSERT INTO segmentation_customerfacts AS f (customer_id, order_count, spent, created_at, reachable_email, reachable_sms, birth_date, income, first_order_at, last_order_at, open_cart_since, frequency_days, rfm_recency, rfm_frequency, rfm_monetary, country, gender, education, device_type, os, rfm_tier, total_spent, avg_order_value, interest_ids, occupation, region, city, postal_code, attributes, placed, running, interest_bits) SELECT customer_id, order_count, spent, created_at, reachable_email, reachable_sms, birth_date, income, first_order_at, last_order_at, open_cart_since, frequency_days, rfm_recency, rfm_frequency, rfm_monetary, country, gender, education, device_type, os, rfm_tier, total_spent, avg_order_value, interest_ids, occupation, region, city, postal_code, attributes, placed, running, interest_bits FROM segmentation_customerfacts_source WHERE customer_id IN (SELECT customer_id FROM new_rows) ON CONFLICT (customer_id) DO UPDATE SET (order_count, spent, created_at, reachable_email, reachable_sms, birth_date, income, first_order_at, last_order_at, open_cart_since, frequency_days, rfm_recency, rfm_frequency, rfm_monetary, country, gender, education, device_type, os, rfm_tier, total_spent, avg_order_value, interest_ids, occupation, region, city, postal_code, attributes, placed, running, interest_bits) = ROW(EXCLUDED.order_count, EXCLUDED.spent, EXCLUDED.created_at, EXCLUDED.reachable_email, EXCLUDED.reachable_sms, EXCLUDED.birth_date, EXCLUDED.income, EXCLUDED.first_order_at, EXCLUDED.last_order_at, EXCLUDED.open_cart_since, EXCLUDED.frequency_days, EXCLUDED.rfm_recency, EXCLUDED.rfm_frequency, EXCLUDED.rfm_monetary, EXCLUDED.country, EXCLUDED.gender, EXCLUDED.education, EXCLUDED.device_type, EXCLUDED.os, EXCLUDED.rfm_tier, EXCLUDED.total_spent, EXCLUDED.avg_order_value, EXCLUDED.interest_ids, EXCLUDED.occupation, EXCLUDED.region, EXCLUDED.city, EXCLUDED.postal_code, EXCLUDED.attributes, EXCLUDED.placed, EXCLUDED.running, EXCLUDED.interest_bits) WHERE (f.order_count, f.spent, f.created_at, f.reachable_email, f.reachable_sms, f.birth_date, f.income, f.first_order_at, f.last_order_at, f.open_cart_since, f.frequency_days, f.rfm_recency, f.rfm_frequency, f.rfm_monetary, f.country, f.gender, f.education, f.device_type, f.os, f.rfm_tier, f.total_spent, f.avg_order_value, f.interest_ids, f.occupation, f.region, f.city, f.postal_code, f.attributes, f.placed, f.running, f.interest_bits) IS DISTINCT FROM (EXCLUDED.order_count, EXCLUDED.spent, EXCLUDED.created_at, EXCLUDED.reachable_email, EXCLUDED.reachable_sms, EXCLUDED.birth_date, EXCLUDED.income, EXCLUDED.first_order_at, EXCLUDED.last_order_at, EXCLUDED.open_cart_since, EXCLUDED.frequency_days, EXCLUDED.rfm_recency, EXCLUDED.rfm_frequency, EXCLUDED.rfm_monetary, EXCLUDED.country, EXCLUDED.gender, EXCLUDED.education, EXCLUDED.device_type, EXCLUDED.os, EXCLUDED.rfm_tier, EXCLUDED.total_spent, EXCLUDED.avg_order_value, EXCLUDED.interest_ids, EXCLUDED.occupation, EXCLUDED.region, EXCLUDED.city, EXCLUDED.postal_code, EXCLUDED.attributes, EXCLUDED.placed, EXCLUDED.running, EXCLUDED.interest_bits)$sql$;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE $sql$INSERT INTO segmentation_customerfacts AS f (customer_id, order_count, spent, created_at, reachable_email, reachable_sms, birth_date, income, first_order_at, last_order_at, open_cart_since, frequency_days, rfm_recency, rfm_frequency, rfm_monetary, country, gender, education, device_type, os, rfm_tier, total_spent, avg_order_value, interest_ids, occupation, region, city, postal_code, attributes, placed, running, interest_bits) SELECT customer_id, order_count, spent, created_at, reachable_email, reachable_sms, birth_date, income, first_order_at, last_order_at, open_cart_since, frequency_days, rfm_recency, rfm_frequency, rfm_monetary, country, gender, education, device_type, os, rfm_tier, total_spent, avg_order_value, interest_ids, occupation, region, city, postal_code, attributes, placed, running, interest_bits FROM segmentation_customerfacts_source WHERE customer_id IN (SELECT customer_id FROM old_rows) ON CONFLICT (customer_id) DO UPDATE SET (order_count, spent, created_at, reachable_email, reachable_sms, birth_date, income, first_order_at, last_order_at, open_cart_since, frequency_days, rfm_recency, rfm_frequency, rfm_monetary, country, gender, education, device_type, os, rfm_tier, total_spent, avg_order_value, interest_ids, occupation, region, city, postal_code, attributes, placed, running, interest_bits) = ROW(EXCLUDED.order_count, EXCLUDED.spent, EXCLUDED.created_at, EXCLUDED.reachable_email, EXCLUDED.reachable_sms, EXCLUDED.birth_date, EXCLUDED.income, EXCLUDED.first_order_at, EXCLUDED.last_order_at, EXCLUDED.open_cart_since, EXCLUDED.frequency_days, EXCLUDED.rfm_recency, EXCLUDED.rfm_frequency, EXCLUDED.rfm_monetary, EXCLUDED.country, EXCLUDED.gender, EXCLUDED.education, EXCLUDED.device_type, EXCLUDED.os, EXCLUDED.rfm_tier, EXCLUDED.total_spent, EXCLUDED.avg_order_value, EXCLUDED.interest_ids, EXCLUDED.occupation, EXCLUDED.region, EXCLUDED.city, EXCLUDED.postal_code, EXCLUDED.attributes, EXCLUDED.placed, EXCLUDED.running, EXCLUDED.interest_bits) WHERE (f.order_count, f.spent, f.created_at, f.reachable_email, f.reachable_sms, f.birth_date, f.income, f.first_order_at, f.last_order_at, f.open_cart_since, f.frequency_days, f.rfm_recency, f.rfm_frequency, f.rfm_monetary, f.country, f.gender, f.education, f.device_type, f.os, f.rfm_tier, f.total_spent, f.avg_order_value, f.interest_ids, f.occupation, f.region, f.city, f.postal_code, f.attributes, f.placed, f.running, f.interest_bits) IS DISTINCT FROM (EXCLUDED.order_count, EXCLUDED.spent, EXCLUDED.created_at, EXCLUDED.reachable_email, EXCLUDED.reachable_sms, EXCLUDED.birth_date, EXCLUDED.income, EXCLUDED.first_order_at, EXCLUDED.last_order_at, EXCLUDED.open_cart_since, EXCLUDED.frequency_days, EXCLUDED.rfm_recency, EXCLUDED.rfm_frequency, EXCLUDED.rfm_monetary, EXCLUDED.country, EXCLUDED.gender, EXCLUDED.education, EXCLUDED.device_type, EXCLUDED.os, EXCLUDED.rfm_tier, EXCLUDED.total_spent, EXCLUDED.avg_order_value, EXCLUDED.interest_ids, EXCLUDED.occupation, EXCLUDED.region, EXCLUDED.city, EXCLUDED.postal_code, EXCLUDED.attributes, EXCLUDED.placed, EXCLUDED.running, EXCLUDED.interest_bits)$sql$;
    END IF;
    RETURN NULL;
END $_$;


--
-- Name: segmenta_facts_refresh(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.segmenta_facts_refresh(changed text) RETURNS bigint
    LANGUAGE plpgsql
    AS $_$
DECLARE
    wrong bigint;
    gone bigint;
BEGIN
    EXECUTE format($sql$INSERT INTO segmentation_customerfacts AS f (customer_id, order_count, spent, created_at, reachable_email, reachable_sms, birth_date, income, first_order_at, last_order_at, open_cart_since, frequency_days, rfm_recency, rfm_frequency, rfm_monetary, country, gender, education, device_type, os, rfm_tier, total_spent, avg_order_value, interest_ids, occupation, region, city, postal_code, attributes, placed, running, interest_bits) SELECT customer_id, order_count, spent, created_at, reachable_email, reachable_sms, birth_date, income, first_order_at, last_order_at, open_cart_since, frequency_days, rfm_recency, rfm_frequency, rfm_monetary, country, gender, education, device_type, os, rfm_tier, total_spent, avg_order_value, interest_ids, occupation, region, city, postal_code, attributes, placed, running, interest_bits FROM segmentation_customerfacts_source WHERE customer_id IN (%1$s) ON CONFLICT (customer_id) DO UPDATE SET (order_count, spent, created_at, reachable_email, reachable_sms, birth_date, income, first_order_at, last_order_at, open_cart_since, frequency_days, rfm_recency, rfm_frequency, rfm_monetary, country, gender, education, device_type, os, rfm_tier, total_spent, avg_order_value, interest_ids, occupation, region, city, postal_code, attributes, placed, running, interest_bits) = ROW(EXCLUDED.order_count, EXCLUDED.spent, EXCLUDED.created_at, EXCLUDED.reachable_email, EXCLUDED.reachable_sms, EXCLUDED.birth_date, EXCLUDED.income, EXCLUDED.first_order_at, EXCLUDED.last_order_at, EXCLUDED.open_cart_since, EXCLUDED.frequency_days, EXCLUDED.rfm_recency, EXCLUDED.rfm_frequency, EXCLUDED.rfm_monetary, EXCLUDED.country, EXCLUDED.gender, EXCLUDED.education, EXCLUDED.device_type, EXCLUDED.os, EXCLUDED.rfm_tier, EXCLUDED.total_spent, EXCLUDED.avg_order_value, EXCLUDED.interest_ids, EXCLUDED.occupation, EXCLUDED.region, EXCLUDED.city, EXCLUDED.postal_code, EXCLUDED.attributes, EXCLUDED.placed, EXCLUDED.running, EXCLUDED.interest_bits) WHERE (f.order_count, f.spent, f.created_at, f.reachable_email, f.reachable_sms, f.birth_date, f.income, f.first_order_at, f.last_order_at, f.open_cart_since, f.frequency_days, f.rfm_recency, f.rfm_frequency, f.rfm_monetary, f.country, f.gender, f.education, f.device_type, f.os, f.rfm_tier, f.total_spent, f.avg_order_value, f.interest_ids, f.occupation, f.region, f.city, f.postal_code, f.attributes, f.placed, f.running, f.interest_bits) IS DISTINCT FROM (EXCLUDED.order_count, EXCLUDED.spent, EXCLUDED.created_at, EXCLUDED.reachable_email, EXCLUDED.reachable_sms, EXCLUDED.birth_date, EXCLUDED.income, EXCLUDED.first_order_at, EXCLUDED.last_order_at, EXCLUDED.open_cart_since, EXCLUDED.frequency_days, EXCLUDED.rfm_recency, EXCLUDED.rfm_frequency, EXCLUDED.rfm_monetary, EXCLUDED.country, EXCLUDED.gender, EXCLUDED.education, EXCLUDED.device_type, EXCLUDED.os, EXCLUDED.rfm_tier, EXCLUDED.total_spent, EXCLUDED.avg_order_value, EXCLUDED.interest_ids, EXCLUDED.occupation, EXCLUDED.region, EXCLUDED.city, EXCLUDED.postal_code, EXCLUDED.attributes, EXCLUDED.placed, EXCLUDED.running, EXCLUDED.interest_bits)$sql$, changed);
    GET DIAGNOSTICS wrong = ROW_COUNT;
    EXECUTE format($sql$DELETE FROM segmentation_customerfacts f WHERE customer_id IN (%1$s)
        AND NOT EXISTS (SELECT 1 FROM segmentation_customer c WHERE c.id = f.customer_id)$sql$,
        changed);
    GET DIAGNOSTICS gone = ROW_COUNT;
    RETURN wrong + gone;
END $_$;


--
-- Name: segmenta_facts_truncated(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.segmenta_facts_truncated() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF current_setting('segmenta.facts', true) = 'deferred' THEN RETURN NULL; END IF;
    IF TG_TABLE_NAME = 'segmentation_customer' THEN
        DELETE FROM segmentation_customerfacts;
    ELSE
        PERFORM segmenta_facts_refresh('SELECT id FROM segmentation_customer');
    END IF;
    RETURN NULL;
END $$;


--
-- Name: segmenta_member_ids(bigint); Type: AGGREGATE; Schema: public; Owner: -
--

CREATE AGGREGATE public.segmenta_member_ids(bigint) (
    SFUNC = array_append,
    STYPE = bigint[],
    INITCOND = '{}',
    COMBINEFUNC = array_cat,
    PARALLEL = safe
);


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: auth_group; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.auth_group (
    id integer NOT NULL,
    name character varying(150) NOT NULL
);


--
-- Name: auth_group_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.auth_group ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.auth_group_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: auth_group_permissions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.auth_group_permissions (
    id bigint NOT NULL,
    group_id integer NOT NULL,
    permission_id integer NOT NULL
);


--
-- Name: auth_group_permissions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.auth_group_permissions ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.auth_group_permissions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: auth_permission; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.auth_permission (
    id integer NOT NULL,
    name character varying(255) NOT NULL,
    content_type_id integer NOT NULL,
    codename character varying(100) NOT NULL
);


--
-- Name: auth_permission_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.auth_permission ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.auth_permission_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: auth_user; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.auth_user (
    id integer NOT NULL,
    password character varying(128) NOT NULL,
    last_login timestamp with time zone,
    is_superuser boolean NOT NULL,
    username character varying(150) NOT NULL,
    first_name character varying(150) NOT NULL,
    last_name character varying(150) NOT NULL,
    email character varying(254) NOT NULL,
    is_staff boolean NOT NULL,
    is_active boolean NOT NULL,
    date_joined timestamp with time zone NOT NULL
);


--
-- Name: auth_user_groups; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.auth_user_groups (
    id bigint NOT NULL,
    user_id integer NOT NULL,
    group_id integer NOT NULL
);


--
-- Name: auth_user_groups_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.auth_user_groups ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.auth_user_groups_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: auth_user_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.auth_user ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.auth_user_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: auth_user_user_permissions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.auth_user_user_permissions (
    id bigint NOT NULL,
    user_id integer NOT NULL,
    permission_id integer NOT NULL
);


--
-- Name: auth_user_user_permissions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.auth_user_user_permissions ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.auth_user_user_permissions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: campaigns_campaign; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.campaigns_campaign (
    id bigint NOT NULL,
    name character varying(150) NOT NULL,
    channel character varying(10) NOT NULL,
    status character varying(10) NOT NULL,
    sender_name character varying(100) NOT NULL,
    sender_email character varying(254) NOT NULL,
    sms_sender character varying(15) NOT NULL,
    scheduled_at timestamp with time zone,
    schedule_timezone character varying(50) NOT NULL,
    holdout_percent smallint NOT NULL,
    conversion_window_days smallint NOT NULL,
    cost numeric(12,2) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    launched_at timestamp with time zone,
    finished_at timestamp with time zone,
    skipped jsonb NOT NULL,
    created_by_id integer,
    topic_id bigint,
    ab_mode character varying(10) NOT NULL,
    test_percent smallint NOT NULL,
    winner_fallback character varying(10) NOT NULL,
    winner_metric character varying(10) NOT NULL,
    winner_wait_hours smallint NOT NULL,
    CONSTRAINT campaigns_campaign_conversion_window_days_check CHECK ((conversion_window_days >= 0)),
    CONSTRAINT campaigns_campaign_holdout_percent_check CHECK ((holdout_percent >= 0)),
    CONSTRAINT campaigns_campaign_test_percent_check CHECK ((test_percent >= 0)),
    CONSTRAINT campaigns_campaign_winner_wait_hours_check CHECK ((winner_wait_hours >= 0))
);


--
-- Name: campaigns_campaign_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.campaigns_campaign ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.campaigns_campaign_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: campaigns_campaignresult; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.campaigns_campaignresult (
    id bigint NOT NULL,
    computed_at timestamp with time zone NOT NULL,
    took_ms integer NOT NULL,
    data jsonb NOT NULL,
    campaign_id bigint NOT NULL,
    CONSTRAINT campaigns_campaignresult_took_ms_check CHECK ((took_ms >= 0))
);


--
-- Name: campaigns_campaignresult_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.campaigns_campaignresult ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.campaigns_campaignresult_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: campaigns_delivery; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.campaigns_delivery (
    id bigint NOT NULL,
    public_id uuid NOT NULL,
    status character varying(10) NOT NULL,
    claimed_at timestamp with time zone,
    claimed_by character varying(100) NOT NULL,
    attempts smallint NOT NULL,
    sent_at timestamp with time zone,
    provider_message_id character varying(200) NOT NULL,
    error character varying(300) NOT NULL,
    opened_at timestamp with time zone,
    opens integer NOT NULL,
    clicked_at timestamp with time zone,
    clicks integer NOT NULL,
    unsubscribed_at timestamp with time zone,
    converted_at timestamp with time zone,
    revenue numeric(12,2) NOT NULL,
    campaign_id bigint NOT NULL,
    conversion_order_id bigint,
    customer_id bigint,
    track_id bigint NOT NULL,
    variant_id bigint,
    CONSTRAINT campaigns_delivery_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT campaigns_delivery_clicks_check CHECK ((clicks >= 0)),
    CONSTRAINT campaigns_delivery_opens_check CHECK ((opens >= 0))
);


--
-- Name: campaigns_delivery_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.campaigns_delivery ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.campaigns_delivery_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: campaigns_orderattribution; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.campaigns_orderattribution (
    id bigint NOT NULL,
    attributed_at timestamp with time zone NOT NULL,
    delivery_id bigint NOT NULL,
    order_id bigint NOT NULL
);


--
-- Name: campaigns_orderattribution_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.campaigns_orderattribution ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.campaigns_orderattribution_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: campaigns_track; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.campaigns_track (
    id bigint NOT NULL,
    "position" smallint NOT NULL,
    campaign_id bigint NOT NULL,
    segment_id bigint NOT NULL,
    CONSTRAINT campaigns_track_position_check CHECK (("position" >= 0))
);


--
-- Name: campaigns_track_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.campaigns_track ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.campaigns_track_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: campaigns_variant; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.campaigns_variant (
    id bigint NOT NULL,
    label character varying(2) NOT NULL,
    weight smallint NOT NULL,
    subject character varying(200) NOT NULL,
    text_body text NOT NULL,
    html_body text NOT NULL,
    sms_text text NOT NULL,
    track_id bigint NOT NULL,
    CONSTRAINT campaigns_variant_weight_check CHECK ((weight >= 0))
);


--
-- Name: campaigns_variant_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.campaigns_variant ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.campaigns_variant_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: campaigns_winnerdecision; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.campaigns_winnerdecision (
    id bigint NOT NULL,
    decided_at timestamp with time zone NOT NULL,
    metric character varying(10) NOT NULL,
    significant boolean NOT NULL,
    summary character varying(500) NOT NULL,
    figures jsonb NOT NULL,
    released integer NOT NULL,
    track_id bigint NOT NULL,
    winner_id bigint,
    CONSTRAINT campaigns_winnerdecision_released_check CHECK ((released >= 0))
);


--
-- Name: campaigns_winnerdecision_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.campaigns_winnerdecision ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.campaigns_winnerdecision_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: django_admin_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.django_admin_log (
    id integer NOT NULL,
    action_time timestamp with time zone NOT NULL,
    object_id text,
    object_repr character varying(200) NOT NULL,
    action_flag smallint NOT NULL,
    change_message text NOT NULL,
    content_type_id integer,
    user_id integer NOT NULL,
    CONSTRAINT django_admin_log_action_flag_check CHECK ((action_flag >= 0))
);


--
-- Name: django_admin_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.django_admin_log ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.django_admin_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: django_content_type; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.django_content_type (
    id integer NOT NULL,
    app_label character varying(100) NOT NULL,
    model character varying(100) NOT NULL
);


--
-- Name: django_content_type_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.django_content_type ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.django_content_type_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: django_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.django_migrations (
    id bigint NOT NULL,
    app character varying(255) NOT NULL,
    name character varying(255) NOT NULL,
    applied timestamp with time zone NOT NULL
);


--
-- Name: django_migrations_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.django_migrations ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.django_migrations_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: django_session; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.django_session (
    session_key character varying(40) NOT NULL,
    session_data text NOT NULL,
    expire_date timestamp with time zone NOT NULL
);


--
-- Name: feedback_answer; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.feedback_answer (
    id bigint NOT NULL,
    number smallint,
    text text NOT NULL,
    choice_id bigint,
    question_id bigint NOT NULL,
    response_id bigint NOT NULL
);


--
-- Name: feedback_answer_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.feedback_answer ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.feedback_answer_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: feedback_choice; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.feedback_choice (
    id bigint NOT NULL,
    "position" smallint NOT NULL,
    label character varying(200) NOT NULL,
    question_id bigint NOT NULL,
    CONSTRAINT feedback_choice_position_check CHECK (("position" >= 0))
);


--
-- Name: feedback_choice_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.feedback_choice ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.feedback_choice_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: feedback_question; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.feedback_question (
    id bigint NOT NULL,
    "position" smallint NOT NULL,
    kind character varying(10) NOT NULL,
    text character varying(300) NOT NULL,
    hint character varying(300) NOT NULL,
    required boolean NOT NULL,
    survey_id bigint NOT NULL,
    CONSTRAINT feedback_question_position_check CHECK (("position" >= 0))
);


--
-- Name: feedback_question_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.feedback_question ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.feedback_question_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: feedback_response; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.feedback_response (
    id bigint NOT NULL,
    submitted_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    customer_id bigint NOT NULL,
    delivery_id bigint NOT NULL,
    track_id bigint NOT NULL,
    variant_id bigint,
    survey_id bigint NOT NULL
);


--
-- Name: feedback_response_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.feedback_response ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.feedback_response_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: feedback_survey; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.feedback_survey (
    id bigint NOT NULL,
    name character varying(150) NOT NULL,
    intro text NOT NULL,
    thanks text NOT NULL,
    status character varying(10) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    created_by_id integer
);


--
-- Name: feedback_survey_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.feedback_survey ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.feedback_survey_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: feedback_tracksurvey; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.feedback_tracksurvey (
    id bigint NOT NULL,
    attached_at timestamp with time zone NOT NULL,
    survey_id bigint NOT NULL,
    track_id bigint NOT NULL
);


--
-- Name: feedback_tracksurvey_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.feedback_tracksurvey ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.feedback_tracksurvey_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_apikey; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_apikey (
    id bigint NOT NULL,
    name character varying(100) NOT NULL,
    prefix character varying(12) NOT NULL,
    key_hash character varying(64) NOT NULL,
    is_active boolean NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_used_at timestamp with time zone,
    created_by_id integer
);


--
-- Name: segmentation_apikey_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_apikey ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_apikey_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_attributedefinition; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_attributedefinition (
    id bigint NOT NULL,
    key character varying(50) NOT NULL,
    label character varying(100) NOT NULL,
    type character varying(10) NOT NULL,
    help_text character varying(200) NOT NULL
);


--
-- Name: segmentation_attributedefinition_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_attributedefinition ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_attributedefinition_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_cart; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_cart (
    id bigint NOT NULL,
    cart_id character varying(100) NOT NULL,
    status character varying(10) NOT NULL,
    value numeric(12,2) NOT NULL,
    items integer NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    customer_id bigint NOT NULL,
    integration_id bigint,
    CONSTRAINT segmentation_cart_items_check CHECK ((items >= 0))
);


--
-- Name: segmentation_cart_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_cart ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_cart_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_consentevent; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_consentevent (
    id bigint NOT NULL,
    address_hash character varying(64) NOT NULL,
    channel character varying(10) NOT NULL,
    action character varying(10) NOT NULL,
    source character varying(20) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    actor character varying(150) NOT NULL,
    ip inet,
    user_agent character varying(300) NOT NULL,
    evidence text NOT NULL,
    customer_id bigint,
    request_id bigint,
    wording_id bigint,
    topic_id bigint
);


--
-- Name: segmentation_consentevent_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_consentevent ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_consentevent_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_consentwording; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_consentwording (
    id bigint NOT NULL,
    version character varying(50) NOT NULL,
    text text NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: segmentation_consentwording_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_consentwording ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_consentwording_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_customer; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_customer (
    id bigint NOT NULL,
    email character varying(254),
    phone character varying(16) NOT NULL,
    external_id character varying(100),
    first_name character varying(100) NOT NULL,
    last_name character varying(100) NOT NULL,
    first_name_lower character varying(100) NOT NULL,
    last_name_lower character varying(100) NOT NULL,
    locale character varying(10) NOT NULL,
    birth_date date,
    gender character varying(16) NOT NULL,
    income integer,
    education character varying(16) NOT NULL,
    occupation character varying(100) NOT NULL,
    country character varying(2) NOT NULL,
    region character varying(100) NOT NULL,
    city character varying(100) NOT NULL,
    postal_code character varying(20) NOT NULL,
    device_type character varying(16) NOT NULL,
    os character varying(16) NOT NULL,
    attributes jsonb NOT NULL,
    order_count integer NOT NULL,
    total_spent numeric(14,2) NOT NULL,
    avg_order_value numeric(12,2) NOT NULL,
    first_order_at timestamp with time zone,
    last_order_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    email_consent character varying(10) NOT NULL,
    frequency_days smallint,
    public_id uuid NOT NULL,
    sms_consent character varying(10) NOT NULL,
    rfm_frequency smallint,
    rfm_monetary smallint,
    rfm_recency smallint,
    rfm_tier character varying(16) NOT NULL,
    CONSTRAINT customer_email_lowercase CHECK (((email)::text = lower((email)::text))),
    CONSTRAINT segmentation_customer_frequency_days_check CHECK ((frequency_days >= 0)),
    CONSTRAINT segmentation_customer_income_check CHECK ((income >= 0)),
    CONSTRAINT segmentation_customer_order_count_check CHECK ((order_count >= 0)),
    CONSTRAINT segmentation_customer_rfm_frequency_check CHECK ((rfm_frequency >= 0)),
    CONSTRAINT segmentation_customer_rfm_monetary_check CHECK ((rfm_monetary >= 0)),
    CONSTRAINT segmentation_customer_rfm_recency_check CHECK ((rfm_recency >= 0))
);


--
-- Name: segmentation_customer_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_customer ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_customer_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_customerfacts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_customerfacts (
    customer_id bigint NOT NULL,
    spent double precision NOT NULL,
    created_at timestamp with time zone NOT NULL,
    interest_bits bigint NOT NULL,
    order_count integer NOT NULL,
    reachable_email boolean NOT NULL,
    reachable_sms boolean NOT NULL,
    country character varying(2) NOT NULL,
    birth_date date,
    last_order_at timestamp with time zone,
    gender character varying(16) NOT NULL,
    device_type character varying(16) NOT NULL,
    os character varying(16) NOT NULL,
    education character varying(16) NOT NULL,
    rfm_tier character varying(16) NOT NULL,
    total_spent numeric(14,2) NOT NULL,
    avg_order_value numeric(12,2) NOT NULL,
    rfm_recency smallint,
    rfm_frequency smallint,
    rfm_monetary smallint,
    income integer,
    first_order_at timestamp with time zone,
    open_cart_since timestamp with time zone,
    frequency_days smallint,
    interest_ids bigint[] NOT NULL,
    attributes jsonb NOT NULL,
    placed timestamp with time zone[] NOT NULL,
    running numeric(30,2)[] NOT NULL,
    occupation character varying(100) NOT NULL,
    region character varying(100) NOT NULL,
    city character varying(100) NOT NULL,
    postal_code character varying(20) NOT NULL
)
WITH (autovacuum_vacuum_scale_factor='0.02', autovacuum_vacuum_insert_scale_factor='0.02');


--
-- Name: segmentation_customerinterest; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_customerinterest (
    id bigint NOT NULL,
    customer_id bigint NOT NULL,
    interest_id bigint NOT NULL
);


--
-- Name: segmentation_orderhistory; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_orderhistory (
    customer_id bigint NOT NULL,
    placed timestamp with time zone[] NOT NULL,
    running numeric(30,2)[] NOT NULL
);


--
-- Name: segmentation_customerfacts_source; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.segmentation_customerfacts_source AS
 SELECT c.id AS customer_id,
    c.order_count,
    (c.total_spent)::double precision AS spent,
    c.created_at,
    (((c.email_consent)::text = 'granted'::text) AND (c.email IS NOT NULL)) AS reachable_email,
    (((c.sms_consent)::text = 'granted'::text) AND ((c.phone)::text <> ''::text)) AS reachable_sms,
    c.birth_date,
    c.income,
    c.first_order_at,
    c.last_order_at,
    ( SELECT min(k.updated_at) AS min
           FROM public.segmentation_cart k
          WHERE ((k.customer_id = c.id) AND ((k.status)::text = 'open'::text))) AS open_cart_since,
    c.frequency_days,
    c.rfm_recency,
    c.rfm_frequency,
    c.rfm_monetary,
    c.country,
    c.gender,
    c.education,
    c.device_type,
    c.os,
    c.rfm_tier,
    c.total_spent,
    c.avg_order_value,
    COALESCE(i.ids, '{}'::bigint[]) AS interest_ids,
    c.occupation,
    c.region,
    c.city,
    c.postal_code,
    c.attributes,
    COALESCE(h.placed, '{}'::timestamp with time zone[]) AS placed,
    COALESCE(h.running, '{0}'::numeric[]) AS running,
    COALESCE(i.bits, (0)::bigint) AS interest_bits
   FROM ((public.segmentation_customer c
     LEFT JOIN public.segmentation_orderhistory h ON ((h.customer_id = c.id)))
     LEFT JOIN LATERAL ( SELECT array_agg(segmentation_customerinterest.interest_id ORDER BY segmentation_customerinterest.interest_id) AS ids,
            bit_or(((1)::bigint << (segmentation_customerinterest.interest_id)::integer)) FILTER (WHERE (segmentation_customerinterest.interest_id < 63)) AS bits
           FROM public.segmentation_customerinterest
          WHERE (segmentation_customerinterest.customer_id = c.id)) i ON (true));


--
-- Name: segmentation_customerinterest_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_customerinterest ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_customerinterest_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_event; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_event (
    id bigint NOT NULL,
    event_id character varying(100) NOT NULL,
    kind character varying(20) NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    received_at timestamp with time zone NOT NULL,
    data jsonb NOT NULL,
    customer_id bigint NOT NULL,
    integration_id bigint
);


--
-- Name: segmentation_event_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_event ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_event_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_importjob; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_importjob (
    id bigint NOT NULL,
    kind character varying(10) NOT NULL,
    status character varying(10) NOT NULL,
    file character varying(255) NOT NULL,
    original_name character varying(255) NOT NULL,
    size bigint NOT NULL,
    sheet character varying(100) NOT NULL,
    encoding character varying(20) NOT NULL,
    delimiter character varying(2) NOT NULL,
    headers jsonb NOT NULL,
    mapping jsonb NOT NULL,
    options jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    total_rows integer,
    processed_rows integer NOT NULL,
    attempt integer NOT NULL,
    cancel_requested boolean NOT NULL,
    dry_run_report jsonb NOT NULL,
    report jsonb NOT NULL,
    problems_file character varying(255) NOT NULL,
    created_by_id integer,
    CONSTRAINT segmentation_importjob_attempt_check CHECK ((attempt >= 0)),
    CONSTRAINT segmentation_importjob_processed_rows_check CHECK ((processed_rows >= 0)),
    CONSTRAINT segmentation_importjob_size_check CHECK ((size >= 0)),
    CONSTRAINT segmentation_importjob_total_rows_check CHECK ((total_rows >= 0))
);


--
-- Name: segmentation_importjob_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_importjob ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_importjob_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_importmapping; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_importmapping (
    id bigint NOT NULL,
    kind character varying(10) NOT NULL,
    signature character varying(64) NOT NULL,
    mapping jsonb NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: segmentation_importmapping_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_importmapping ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_importmapping_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_interest; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_interest (
    id bigint NOT NULL,
    slug character varying(50) NOT NULL,
    name character varying(100) NOT NULL
);


--
-- Name: segmentation_interest_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_interest ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_interest_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_order; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_order (
    id bigint NOT NULL,
    external_id character varying(100),
    placed_at timestamp with time zone NOT NULL,
    total numeric(12,2) NOT NULL,
    currency character varying(3) NOT NULL,
    items jsonb NOT NULL,
    customer_id bigint
);


--
-- Name: segmentation_order_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_order ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_order_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_segment; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_segment (
    id bigint NOT NULL,
    name character varying(100) NOT NULL,
    description character varying(300) NOT NULL,
    definition jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    size integer,
    reachable_email integer,
    reachable_sms integer,
    counted_at timestamp with time zone,
    created_by_id integer,
    average_orders double precision,
    average_spent double precision,
    CONSTRAINT segmentation_segment_reachable_email_check CHECK ((reachable_email >= 0)),
    CONSTRAINT segmentation_segment_reachable_sms_check CHECK ((reachable_sms >= 0)),
    CONSTRAINT segmentation_segment_size_check CHECK ((size >= 0))
);


--
-- Name: segmentation_segment_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_segment ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_segment_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_statssnapshot; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_statssnapshot (
    id bigint NOT NULL,
    taken_at timestamp with time zone NOT NULL,
    customers bigint NOT NULL,
    customers_with_orders bigint NOT NULL,
    new_customers bigint NOT NULL,
    orders bigint NOT NULL,
    revenue jsonb NOT NULL,
    countries jsonb NOT NULL,
    CONSTRAINT segmentation_statssnapshot_customers_check CHECK ((customers >= 0)),
    CONSTRAINT segmentation_statssnapshot_customers_with_orders_check CHECK ((customers_with_orders >= 0)),
    CONSTRAINT segmentation_statssnapshot_new_customers_check CHECK ((new_customers >= 0)),
    CONSTRAINT segmentation_statssnapshot_orders_check CHECK ((orders >= 0))
);


--
-- Name: segmentation_statssnapshot_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_statssnapshot ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_statssnapshot_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_suppression; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_suppression (
    id bigint NOT NULL,
    address_hash character varying(64) NOT NULL,
    channel character varying(10) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    reason character varying(200) NOT NULL
);


--
-- Name: segmentation_suppression_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_suppression ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_suppression_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_topic; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_topic (
    id bigint NOT NULL,
    slug character varying(50) NOT NULL,
    name character varying(100) NOT NULL,
    description character varying(300) NOT NULL,
    is_active boolean NOT NULL
);


--
-- Name: segmentation_topic_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_topic ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_topic_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: segmentation_topicconsent; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segmentation_topicconsent (
    id bigint NOT NULL,
    channel character varying(10) NOT NULL,
    status character varying(10) NOT NULL,
    changed_at timestamp with time zone NOT NULL,
    customer_id bigint NOT NULL,
    topic_id bigint NOT NULL
);


--
-- Name: segmentation_topicconsent_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.segmentation_topicconsent ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.segmentation_topicconsent_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Data for Name: auth_group; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.auth_group VALUES (1, 'Marketer');
INSERT INTO public.auth_group VALUES (2, 'Data admin');


--
-- Data for Name: auth_group_permissions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.auth_group_permissions VALUES (1, 1, 24);
INSERT INTO public.auth_group_permissions VALUES (2, 1, 36);
INSERT INTO public.auth_group_permissions VALUES (3, 1, 28);
INSERT INTO public.auth_group_permissions VALUES (4, 2, 24);
INSERT INTO public.auth_group_permissions VALUES (5, 2, 21);
INSERT INTO public.auth_group_permissions VALUES (6, 2, 22);
INSERT INTO public.auth_group_permissions VALUES (7, 2, 23);
INSERT INTO public.auth_group_permissions VALUES (8, 2, 36);
INSERT INTO public.auth_group_permissions VALUES (9, 2, 33);
INSERT INTO public.auth_group_permissions VALUES (10, 2, 34);
INSERT INTO public.auth_group_permissions VALUES (11, 2, 35);
INSERT INTO public.auth_group_permissions VALUES (12, 2, 28);
INSERT INTO public.auth_group_permissions VALUES (13, 2, 25);
INSERT INTO public.auth_group_permissions VALUES (14, 2, 26);
INSERT INTO public.auth_group_permissions VALUES (15, 2, 27);
INSERT INTO public.auth_group_permissions VALUES (16, 1, 52);
INSERT INTO public.auth_group_permissions VALUES (17, 1, 56);
INSERT INTO public.auth_group_permissions VALUES (18, 2, 52);
INSERT INTO public.auth_group_permissions VALUES (19, 2, 49);
INSERT INTO public.auth_group_permissions VALUES (20, 2, 50);
INSERT INTO public.auth_group_permissions VALUES (21, 2, 56);
INSERT INTO public.auth_group_permissions VALUES (22, 2, 53);
INSERT INTO public.auth_group_permissions VALUES (23, 2, 44);
INSERT INTO public.auth_group_permissions VALUES (24, 2, 41);
INSERT INTO public.auth_group_permissions VALUES (25, 2, 48);
INSERT INTO public.auth_group_permissions VALUES (26, 2, 61);
INSERT INTO public.auth_group_permissions VALUES (27, 2, 64);
INSERT INTO public.auth_group_permissions VALUES (28, 2, 62);
INSERT INTO public.auth_group_permissions VALUES (29, 1, 80);
INSERT INTO public.auth_group_permissions VALUES (30, 1, 77);
INSERT INTO public.auth_group_permissions VALUES (31, 1, 78);
INSERT INTO public.auth_group_permissions VALUES (32, 1, 79);
INSERT INTO public.auth_group_permissions VALUES (33, 1, 72);
INSERT INTO public.auth_group_permissions VALUES (34, 2, 80);
INSERT INTO public.auth_group_permissions VALUES (35, 2, 72);
INSERT INTO public.auth_group_permissions VALUES (36, 2, 69);
INSERT INTO public.auth_group_permissions VALUES (37, 2, 70);
INSERT INTO public.auth_group_permissions VALUES (38, 2, 71);
INSERT INTO public.auth_group_permissions VALUES (39, 2, 76);
INSERT INTO public.auth_group_permissions VALUES (40, 2, 73);
INSERT INTO public.auth_group_permissions VALUES (41, 2, 74);
INSERT INTO public.auth_group_permissions VALUES (42, 2, 88);
INSERT INTO public.auth_group_permissions VALUES (43, 1, 92);
INSERT INTO public.auth_group_permissions VALUES (44, 1, 89);
INSERT INTO public.auth_group_permissions VALUES (45, 1, 90);
INSERT INTO public.auth_group_permissions VALUES (46, 1, 91);
INSERT INTO public.auth_group_permissions VALUES (47, 1, 96);
INSERT INTO public.auth_group_permissions VALUES (48, 1, 93);
INSERT INTO public.auth_group_permissions VALUES (49, 1, 94);
INSERT INTO public.auth_group_permissions VALUES (50, 1, 95);
INSERT INTO public.auth_group_permissions VALUES (51, 1, 100);
INSERT INTO public.auth_group_permissions VALUES (52, 1, 97);
INSERT INTO public.auth_group_permissions VALUES (53, 1, 98);
INSERT INTO public.auth_group_permissions VALUES (54, 1, 99);
INSERT INTO public.auth_group_permissions VALUES (55, 1, 104);
INSERT INTO public.auth_group_permissions VALUES (56, 2, 92);
INSERT INTO public.auth_group_permissions VALUES (57, 2, 104);
INSERT INTO public.auth_group_permissions VALUES (58, 1, 136);
INSERT INTO public.auth_group_permissions VALUES (59, 1, 133);
INSERT INTO public.auth_group_permissions VALUES (60, 1, 134);
INSERT INTO public.auth_group_permissions VALUES (61, 1, 135);
INSERT INTO public.auth_group_permissions VALUES (62, 1, 120);
INSERT INTO public.auth_group_permissions VALUES (63, 1, 117);
INSERT INTO public.auth_group_permissions VALUES (64, 1, 118);
INSERT INTO public.auth_group_permissions VALUES (65, 1, 119);
INSERT INTO public.auth_group_permissions VALUES (66, 1, 124);
INSERT INTO public.auth_group_permissions VALUES (67, 1, 121);
INSERT INTO public.auth_group_permissions VALUES (68, 1, 122);
INSERT INTO public.auth_group_permissions VALUES (69, 1, 123);
INSERT INTO public.auth_group_permissions VALUES (70, 1, 140);
INSERT INTO public.auth_group_permissions VALUES (71, 1, 137);
INSERT INTO public.auth_group_permissions VALUES (72, 1, 138);
INSERT INTO public.auth_group_permissions VALUES (73, 1, 139);
INSERT INTO public.auth_group_permissions VALUES (74, 1, 128);
INSERT INTO public.auth_group_permissions VALUES (75, 1, 132);
INSERT INTO public.auth_group_permissions VALUES (76, 2, 136);
INSERT INTO public.auth_group_permissions VALUES (77, 2, 128);
INSERT INTO public.auth_group_permissions VALUES (78, 2, 132);


--
-- Data for Name: auth_permission; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.auth_permission VALUES (1, 'Can add log entry', 1, 'add_logentry');
INSERT INTO public.auth_permission VALUES (2, 'Can change log entry', 1, 'change_logentry');
INSERT INTO public.auth_permission VALUES (3, 'Can delete log entry', 1, 'delete_logentry');
INSERT INTO public.auth_permission VALUES (4, 'Can view log entry', 1, 'view_logentry');
INSERT INTO public.auth_permission VALUES (5, 'Can add permission', 2, 'add_permission');
INSERT INTO public.auth_permission VALUES (6, 'Can change permission', 2, 'change_permission');
INSERT INTO public.auth_permission VALUES (7, 'Can delete permission', 2, 'delete_permission');
INSERT INTO public.auth_permission VALUES (8, 'Can view permission', 2, 'view_permission');
INSERT INTO public.auth_permission VALUES (9, 'Can add group', 3, 'add_group');
INSERT INTO public.auth_permission VALUES (10, 'Can change group', 3, 'change_group');
INSERT INTO public.auth_permission VALUES (11, 'Can delete group', 3, 'delete_group');
INSERT INTO public.auth_permission VALUES (12, 'Can view group', 3, 'view_group');
INSERT INTO public.auth_permission VALUES (13, 'Can add user', 4, 'add_user');
INSERT INTO public.auth_permission VALUES (14, 'Can change user', 4, 'change_user');
INSERT INTO public.auth_permission VALUES (15, 'Can delete user', 4, 'delete_user');
INSERT INTO public.auth_permission VALUES (16, 'Can view user', 4, 'view_user');
INSERT INTO public.auth_permission VALUES (17, 'Can add content type', 5, 'add_contenttype');
INSERT INTO public.auth_permission VALUES (18, 'Can change content type', 5, 'change_contenttype');
INSERT INTO public.auth_permission VALUES (19, 'Can delete content type', 5, 'delete_contenttype');
INSERT INTO public.auth_permission VALUES (20, 'Can view content type', 5, 'view_contenttype');
INSERT INTO public.auth_permission VALUES (21, 'Can add customer', 6, 'add_customer');
INSERT INTO public.auth_permission VALUES (22, 'Can change customer', 6, 'change_customer');
INSERT INTO public.auth_permission VALUES (23, 'Can delete customer', 6, 'delete_customer');
INSERT INTO public.auth_permission VALUES (24, 'Can view customer', 6, 'view_customer');
INSERT INTO public.auth_permission VALUES (25, 'Can add interest', 7, 'add_interest');
INSERT INTO public.auth_permission VALUES (26, 'Can change interest', 7, 'change_interest');
INSERT INTO public.auth_permission VALUES (27, 'Can delete interest', 7, 'delete_interest');
INSERT INTO public.auth_permission VALUES (28, 'Can view interest', 7, 'view_interest');
INSERT INTO public.auth_permission VALUES (29, 'Can add customer interest', 8, 'add_customerinterest');
INSERT INTO public.auth_permission VALUES (30, 'Can change customer interest', 8, 'change_customerinterest');
INSERT INTO public.auth_permission VALUES (31, 'Can delete customer interest', 8, 'delete_customerinterest');
INSERT INTO public.auth_permission VALUES (32, 'Can view customer interest', 8, 'view_customerinterest');
INSERT INTO public.auth_permission VALUES (33, 'Can add order', 9, 'add_order');
INSERT INTO public.auth_permission VALUES (34, 'Can change order', 9, 'change_order');
INSERT INTO public.auth_permission VALUES (35, 'Can delete order', 9, 'delete_order');
INSERT INTO public.auth_permission VALUES (36, 'Can view order', 9, 'view_order');
INSERT INTO public.auth_permission VALUES (37, 'Can add stats snapshot', 10, 'add_statssnapshot');
INSERT INTO public.auth_permission VALUES (38, 'Can change stats snapshot', 10, 'change_statssnapshot');
INSERT INTO public.auth_permission VALUES (39, 'Can delete stats snapshot', 10, 'delete_statssnapshot');
INSERT INTO public.auth_permission VALUES (40, 'Can view stats snapshot', 10, 'view_statssnapshot');
INSERT INTO public.auth_permission VALUES (41, 'Can add consent wording', 11, 'add_consentwording');
INSERT INTO public.auth_permission VALUES (42, 'Can change consent wording', 11, 'change_consentwording');
INSERT INTO public.auth_permission VALUES (43, 'Can delete consent wording', 11, 'delete_consentwording');
INSERT INTO public.auth_permission VALUES (44, 'Can view consent wording', 11, 'view_consentwording');
INSERT INTO public.auth_permission VALUES (45, 'Can add suppression', 12, 'add_suppression');
INSERT INTO public.auth_permission VALUES (46, 'Can change suppression', 12, 'change_suppression');
INSERT INTO public.auth_permission VALUES (47, 'Can delete suppression', 12, 'delete_suppression');
INSERT INTO public.auth_permission VALUES (48, 'Can view suppression', 12, 'view_suppression');
INSERT INTO public.auth_permission VALUES (49, 'Can add topic', 13, 'add_topic');
INSERT INTO public.auth_permission VALUES (50, 'Can change topic', 13, 'change_topic');
INSERT INTO public.auth_permission VALUES (51, 'Can delete topic', 13, 'delete_topic');
INSERT INTO public.auth_permission VALUES (52, 'Can view topic', 13, 'view_topic');
INSERT INTO public.auth_permission VALUES (53, 'Can add consent event', 14, 'add_consentevent');
INSERT INTO public.auth_permission VALUES (54, 'Can change consent event', 14, 'change_consentevent');
INSERT INTO public.auth_permission VALUES (55, 'Can delete consent event', 14, 'delete_consentevent');
INSERT INTO public.auth_permission VALUES (56, 'Can view consent event', 14, 'view_consentevent');
INSERT INTO public.auth_permission VALUES (57, 'Can add topic consent', 15, 'add_topicconsent');
INSERT INTO public.auth_permission VALUES (58, 'Can change topic consent', 15, 'change_topicconsent');
INSERT INTO public.auth_permission VALUES (59, 'Can delete topic consent', 15, 'delete_topicconsent');
INSERT INTO public.auth_permission VALUES (60, 'Can view topic consent', 15, 'view_topicconsent');
INSERT INTO public.auth_permission VALUES (61, 'Can add import job', 16, 'add_importjob');
INSERT INTO public.auth_permission VALUES (62, 'Can change import job', 16, 'change_importjob');
INSERT INTO public.auth_permission VALUES (63, 'Can delete import job', 16, 'delete_importjob');
INSERT INTO public.auth_permission VALUES (64, 'Can view import job', 16, 'view_importjob');
INSERT INTO public.auth_permission VALUES (65, 'Can add import mapping', 17, 'add_importmapping');
INSERT INTO public.auth_permission VALUES (66, 'Can change import mapping', 17, 'change_importmapping');
INSERT INTO public.auth_permission VALUES (67, 'Can delete import mapping', 17, 'delete_importmapping');
INSERT INTO public.auth_permission VALUES (68, 'Can view import mapping', 17, 'view_importmapping');
INSERT INTO public.auth_permission VALUES (69, 'Can add attribute definition', 18, 'add_attributedefinition');
INSERT INTO public.auth_permission VALUES (70, 'Can change attribute definition', 18, 'change_attributedefinition');
INSERT INTO public.auth_permission VALUES (71, 'Can delete attribute definition', 18, 'delete_attributedefinition');
INSERT INTO public.auth_permission VALUES (72, 'Can view attribute definition', 18, 'view_attributedefinition');
INSERT INTO public.auth_permission VALUES (73, 'Can add API key', 19, 'add_apikey');
INSERT INTO public.auth_permission VALUES (74, 'Can change API key', 19, 'change_apikey');
INSERT INTO public.auth_permission VALUES (75, 'Can delete API key', 19, 'delete_apikey');
INSERT INTO public.auth_permission VALUES (76, 'Can view API key', 19, 'view_apikey');
INSERT INTO public.auth_permission VALUES (77, 'Can add segment', 20, 'add_segment');
INSERT INTO public.auth_permission VALUES (78, 'Can change segment', 20, 'change_segment');
INSERT INTO public.auth_permission VALUES (79, 'Can delete segment', 20, 'delete_segment');
INSERT INTO public.auth_permission VALUES (80, 'Can view segment', 20, 'view_segment');
INSERT INTO public.auth_permission VALUES (81, 'Can add cart', 21, 'add_cart');
INSERT INTO public.auth_permission VALUES (82, 'Can change cart', 21, 'change_cart');
INSERT INTO public.auth_permission VALUES (83, 'Can delete cart', 21, 'delete_cart');
INSERT INTO public.auth_permission VALUES (84, 'Can view cart', 21, 'view_cart');
INSERT INTO public.auth_permission VALUES (85, 'Can add event', 22, 'add_event');
INSERT INTO public.auth_permission VALUES (86, 'Can change event', 22, 'change_event');
INSERT INTO public.auth_permission VALUES (87, 'Can delete event', 22, 'delete_event');
INSERT INTO public.auth_permission VALUES (88, 'Can view event', 22, 'view_event');
INSERT INTO public.auth_permission VALUES (89, 'Can add campaign', 23, 'add_campaign');
INSERT INTO public.auth_permission VALUES (90, 'Can change campaign', 23, 'change_campaign');
INSERT INTO public.auth_permission VALUES (91, 'Can delete campaign', 23, 'delete_campaign');
INSERT INTO public.auth_permission VALUES (92, 'Can view campaign', 23, 'view_campaign');
INSERT INTO public.auth_permission VALUES (93, 'Can add track', 24, 'add_track');
INSERT INTO public.auth_permission VALUES (94, 'Can change track', 24, 'change_track');
INSERT INTO public.auth_permission VALUES (95, 'Can delete track', 24, 'delete_track');
INSERT INTO public.auth_permission VALUES (96, 'Can view track', 24, 'view_track');
INSERT INTO public.auth_permission VALUES (97, 'Can add variant', 25, 'add_variant');
INSERT INTO public.auth_permission VALUES (98, 'Can change variant', 25, 'change_variant');
INSERT INTO public.auth_permission VALUES (99, 'Can delete variant', 25, 'delete_variant');
INSERT INTO public.auth_permission VALUES (100, 'Can view variant', 25, 'view_variant');
INSERT INTO public.auth_permission VALUES (101, 'Can add delivery', 26, 'add_delivery');
INSERT INTO public.auth_permission VALUES (102, 'Can change delivery', 26, 'change_delivery');
INSERT INTO public.auth_permission VALUES (103, 'Can delete delivery', 26, 'delete_delivery');
INSERT INTO public.auth_permission VALUES (104, 'Can view delivery', 26, 'view_delivery');
INSERT INTO public.auth_permission VALUES (105, 'Can add order attribution', 27, 'add_orderattribution');
INSERT INTO public.auth_permission VALUES (106, 'Can change order attribution', 27, 'change_orderattribution');
INSERT INTO public.auth_permission VALUES (107, 'Can delete order attribution', 27, 'delete_orderattribution');
INSERT INTO public.auth_permission VALUES (108, 'Can view order attribution', 27, 'view_orderattribution');
INSERT INTO public.auth_permission VALUES (109, 'Can add campaign result', 28, 'add_campaignresult');
INSERT INTO public.auth_permission VALUES (110, 'Can change campaign result', 28, 'change_campaignresult');
INSERT INTO public.auth_permission VALUES (111, 'Can delete campaign result', 28, 'delete_campaignresult');
INSERT INTO public.auth_permission VALUES (112, 'Can view campaign result', 28, 'view_campaignresult');
INSERT INTO public.auth_permission VALUES (113, 'Can add winner decision', 29, 'add_winnerdecision');
INSERT INTO public.auth_permission VALUES (114, 'Can change winner decision', 29, 'change_winnerdecision');
INSERT INTO public.auth_permission VALUES (115, 'Can delete winner decision', 29, 'delete_winnerdecision');
INSERT INTO public.auth_permission VALUES (116, 'Can view winner decision', 29, 'view_winnerdecision');
INSERT INTO public.auth_permission VALUES (117, 'Can add question', 30, 'add_question');
INSERT INTO public.auth_permission VALUES (118, 'Can change question', 30, 'change_question');
INSERT INTO public.auth_permission VALUES (119, 'Can delete question', 30, 'delete_question');
INSERT INTO public.auth_permission VALUES (120, 'Can view question', 30, 'view_question');
INSERT INTO public.auth_permission VALUES (121, 'Can add choice', 31, 'add_choice');
INSERT INTO public.auth_permission VALUES (122, 'Can change choice', 31, 'change_choice');
INSERT INTO public.auth_permission VALUES (123, 'Can delete choice', 31, 'delete_choice');
INSERT INTO public.auth_permission VALUES (124, 'Can view choice', 31, 'view_choice');
INSERT INTO public.auth_permission VALUES (125, 'Can add response', 32, 'add_response');
INSERT INTO public.auth_permission VALUES (126, 'Can change response', 32, 'change_response');
INSERT INTO public.auth_permission VALUES (127, 'Can delete response', 32, 'delete_response');
INSERT INTO public.auth_permission VALUES (128, 'Can view response', 32, 'view_response');
INSERT INTO public.auth_permission VALUES (129, 'Can add answer', 33, 'add_answer');
INSERT INTO public.auth_permission VALUES (130, 'Can change answer', 33, 'change_answer');
INSERT INTO public.auth_permission VALUES (131, 'Can delete answer', 33, 'delete_answer');
INSERT INTO public.auth_permission VALUES (132, 'Can view answer', 33, 'view_answer');
INSERT INTO public.auth_permission VALUES (133, 'Can add survey', 34, 'add_survey');
INSERT INTO public.auth_permission VALUES (134, 'Can change survey', 34, 'change_survey');
INSERT INTO public.auth_permission VALUES (135, 'Can delete survey', 34, 'delete_survey');
INSERT INTO public.auth_permission VALUES (136, 'Can view survey', 34, 'view_survey');
INSERT INTO public.auth_permission VALUES (137, 'Can add track survey', 35, 'add_tracksurvey');
INSERT INTO public.auth_permission VALUES (138, 'Can change track survey', 35, 'change_tracksurvey');
INSERT INTO public.auth_permission VALUES (139, 'Can delete track survey', 35, 'delete_tracksurvey');
INSERT INTO public.auth_permission VALUES (140, 'Can view track survey', 35, 'view_tracksurvey');
INSERT INTO public.auth_permission VALUES (141, 'Can add session', 36, 'add_session');
INSERT INTO public.auth_permission VALUES (142, 'Can change session', 36, 'change_session');
INSERT INTO public.auth_permission VALUES (143, 'Can delete session', 36, 'delete_session');
INSERT INTO public.auth_permission VALUES (144, 'Can view session', 36, 'view_session');
INSERT INTO public.auth_permission VALUES (145, 'Can add order history', 37, 'add_orderhistory');
INSERT INTO public.auth_permission VALUES (146, 'Can change order history', 37, 'change_orderhistory');
INSERT INTO public.auth_permission VALUES (147, 'Can delete order history', 37, 'delete_orderhistory');
INSERT INTO public.auth_permission VALUES (148, 'Can view order history', 37, 'view_orderhistory');
INSERT INTO public.auth_permission VALUES (149, 'Can add customer facts', 38, 'add_customerfacts');
INSERT INTO public.auth_permission VALUES (150, 'Can change customer facts', 38, 'change_customerfacts');
INSERT INTO public.auth_permission VALUES (151, 'Can delete customer facts', 38, 'delete_customerfacts');
INSERT INTO public.auth_permission VALUES (152, 'Can view customer facts', 38, 'view_customerfacts');


--
-- Data for Name: auth_user; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.auth_user VALUES (1, 'pbkdf2_sha256$1000000$YgQDl2gYhmrWvel9ad29bm$ZxdoHZ6IFH+OLckhS1ZjV/s9xBM1lWoJd4u7awJ4t0E=', NULL, false, 'marketer', '', '', 'marketer@example.com', false, true, '2026-12-07 23:33:50.021864+00');


--
-- Data for Name: auth_user_groups; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: auth_user_user_permissions; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: campaigns_campaign; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.campaigns_campaign VALUES (1, 'Spring', 'email', 'sent', 'Shop', 'shop@example.com', '', NULL, 'UTC', 0, 7, 0.00, '2026-12-07 23:33:51.473075+00', '2026-12-07 23:33:51.47329+00', '2026-12-07 23:33:50+00', '2026-12-07 23:33:50+00', '{}', 1, NULL, 'split', 20, 'leader', 'click', 4);


--
-- Data for Name: campaigns_campaignresult; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.campaigns_campaignresult VALUES (1, '2026-12-07 23:33:50+00', 0, '{"sent": 3}', 1);


--
-- Data for Name: campaigns_delivery; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.campaigns_delivery VALUES (1, '99705ca0-c3be-47b9-9686-5086f4306233', 'sent', NULL, '', 1, '2026-12-07 23:33:50+00', '', '', NULL, 0, NULL, 0, NULL, NULL, 0.00, 1, NULL, 1, 1, 1);
INSERT INTO public.campaigns_delivery VALUES (2, 'cf14e489-76e7-413c-b1b1-c117fde83fc0', 'sent', NULL, '', 1, '2026-12-07 23:33:50+00', '', '', NULL, 0, NULL, 0, NULL, NULL, 0.00, 1, NULL, 2, 1, 1);
INSERT INTO public.campaigns_delivery VALUES (3, 'f0f73358-b296-430d-bf36-c2ac051e613a', 'sent', NULL, '', 1, '2026-12-07 23:33:50+00', '', '', NULL, 0, NULL, 0, NULL, NULL, 0.00, 1, NULL, 3, 1, 1);


--
-- Data for Name: campaigns_orderattribution; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.campaigns_orderattribution VALUES (1, '2026-12-07 23:33:51.490099+00', 1, 1);


--
-- Data for Name: campaigns_track; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.campaigns_track VALUES (1, 0, 1, 1);


--
-- Data for Name: campaigns_variant; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.campaigns_variant VALUES (1, 'A', 100, 'Hi', 'Hello {{ first_name }}', '', '', 1);


--
-- Data for Name: campaigns_winnerdecision; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.campaigns_winnerdecision VALUES (1, '2026-12-07 23:33:51.502028+00', 'click', false, 'A won', '{"A": 1}', 0, 1, 1);


--
-- Data for Name: django_admin_log; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: django_content_type; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.django_content_type VALUES (1, 'admin', 'logentry');
INSERT INTO public.django_content_type VALUES (2, 'auth', 'permission');
INSERT INTO public.django_content_type VALUES (3, 'auth', 'group');
INSERT INTO public.django_content_type VALUES (4, 'auth', 'user');
INSERT INTO public.django_content_type VALUES (5, 'contenttypes', 'contenttype');
INSERT INTO public.django_content_type VALUES (6, 'segmentation', 'customer');
INSERT INTO public.django_content_type VALUES (7, 'segmentation', 'interest');
INSERT INTO public.django_content_type VALUES (8, 'segmentation', 'customerinterest');
INSERT INTO public.django_content_type VALUES (9, 'segmentation', 'order');
INSERT INTO public.django_content_type VALUES (10, 'segmentation', 'statssnapshot');
INSERT INTO public.django_content_type VALUES (11, 'segmentation', 'consentwording');
INSERT INTO public.django_content_type VALUES (12, 'segmentation', 'suppression');
INSERT INTO public.django_content_type VALUES (13, 'segmentation', 'topic');
INSERT INTO public.django_content_type VALUES (14, 'segmentation', 'consentevent');
INSERT INTO public.django_content_type VALUES (15, 'segmentation', 'topicconsent');
INSERT INTO public.django_content_type VALUES (16, 'segmentation', 'importjob');
INSERT INTO public.django_content_type VALUES (17, 'segmentation', 'importmapping');
INSERT INTO public.django_content_type VALUES (18, 'segmentation', 'attributedefinition');
INSERT INTO public.django_content_type VALUES (19, 'segmentation', 'apikey');
INSERT INTO public.django_content_type VALUES (20, 'segmentation', 'segment');
INSERT INTO public.django_content_type VALUES (21, 'segmentation', 'cart');
INSERT INTO public.django_content_type VALUES (22, 'segmentation', 'event');
INSERT INTO public.django_content_type VALUES (23, 'campaigns', 'campaign');
INSERT INTO public.django_content_type VALUES (24, 'campaigns', 'track');
INSERT INTO public.django_content_type VALUES (25, 'campaigns', 'variant');
INSERT INTO public.django_content_type VALUES (26, 'campaigns', 'delivery');
INSERT INTO public.django_content_type VALUES (27, 'campaigns', 'orderattribution');
INSERT INTO public.django_content_type VALUES (28, 'campaigns', 'campaignresult');
INSERT INTO public.django_content_type VALUES (29, 'campaigns', 'winnerdecision');
INSERT INTO public.django_content_type VALUES (30, 'feedback', 'question');
INSERT INTO public.django_content_type VALUES (31, 'feedback', 'choice');
INSERT INTO public.django_content_type VALUES (32, 'feedback', 'response');
INSERT INTO public.django_content_type VALUES (33, 'feedback', 'answer');
INSERT INTO public.django_content_type VALUES (34, 'feedback', 'survey');
INSERT INTO public.django_content_type VALUES (35, 'feedback', 'tracksurvey');
INSERT INTO public.django_content_type VALUES (36, 'sessions', 'session');
INSERT INTO public.django_content_type VALUES (37, 'segmentation', 'orderhistory');
INSERT INTO public.django_content_type VALUES (38, 'segmentation', 'customerfacts');


--
-- Data for Name: django_migrations; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.django_migrations VALUES (1, 'contenttypes', '0001_initial', '2026-12-07 23:33:39.588515+00');
INSERT INTO public.django_migrations VALUES (2, 'auth', '0001_initial', '2026-12-07 23:33:39.842653+00');
INSERT INTO public.django_migrations VALUES (3, 'admin', '0001_initial', '2026-12-07 23:33:39.894889+00');
INSERT INTO public.django_migrations VALUES (4, 'admin', '0002_logentry_remove_auto_add', '2026-12-07 23:33:39.921874+00');
INSERT INTO public.django_migrations VALUES (5, 'admin', '0003_logentry_add_action_flag_choices', '2026-12-07 23:33:39.941981+00');
INSERT INTO public.django_migrations VALUES (6, 'contenttypes', '0002_remove_content_type_name', '2026-12-07 23:33:39.969187+00');
INSERT INTO public.django_migrations VALUES (7, 'auth', '0002_alter_permission_name_max_length', '2026-12-07 23:33:39.985314+00');
INSERT INTO public.django_migrations VALUES (8, 'auth', '0003_alter_user_email_max_length', '2026-12-07 23:33:39.99801+00');
INSERT INTO public.django_migrations VALUES (9, 'auth', '0004_alter_user_username_opts', '2026-12-07 23:33:40.007554+00');
INSERT INTO public.django_migrations VALUES (10, 'auth', '0005_alter_user_last_login_null', '2026-12-07 23:33:40.045526+00');
INSERT INTO public.django_migrations VALUES (11, 'auth', '0006_require_contenttypes_0002', '2026-12-07 23:33:40.049073+00');
INSERT INTO public.django_migrations VALUES (12, 'auth', '0007_alter_validators_add_error_messages', '2026-12-07 23:33:40.059537+00');
INSERT INTO public.django_migrations VALUES (13, 'auth', '0008_alter_user_username_max_length', '2026-12-07 23:33:40.08876+00');
INSERT INTO public.django_migrations VALUES (14, 'auth', '0009_alter_user_last_name_max_length', '2026-12-07 23:33:40.109238+00');
INSERT INTO public.django_migrations VALUES (15, 'auth', '0010_alter_group_name_max_length', '2026-12-07 23:33:40.122354+00');
INSERT INTO public.django_migrations VALUES (16, 'auth', '0011_update_proxy_permissions', '2026-12-07 23:33:40.131472+00');
INSERT INTO public.django_migrations VALUES (17, 'auth', '0012_alter_user_first_name_max_length', '2026-12-07 23:33:40.153558+00');
INSERT INTO public.django_migrations VALUES (18, 'segmentation', '0001_initial', '2026-12-07 23:33:40.346048+00');
INSERT INTO public.django_migrations VALUES (19, 'segmentation', '0002_roles', '2026-12-07 23:33:40.470184+00');
INSERT INTO public.django_migrations VALUES (20, 'segmentation', '0003_statssnapshot', '2026-12-07 23:33:40.480908+00');
INSERT INTO public.django_migrations VALUES (21, 'segmentation', '0004_consent_ledger', '2026-12-07 23:33:40.627045+00');
INSERT INTO public.django_migrations VALUES (22, 'segmentation', '0005_consent_guard_and_roles', '2026-12-07 23:33:40.737185+00');
INSERT INTO public.django_migrations VALUES (23, 'segmentation', '0006_imports', '2026-12-07 23:33:40.800737+00');
INSERT INTO public.django_migrations VALUES (24, 'segmentation', '0007_customer_filter_indexes', '2026-12-07 23:33:40.844982+00');
INSERT INTO public.django_migrations VALUES (25, 'segmentation', '0008_segments_events', '2026-12-07 23:33:41.208369+00');
INSERT INTO public.django_migrations VALUES (26, 'segmentation', '0009_segment_lifetime_value', '2026-12-07 23:33:41.257877+00');
INSERT INTO public.django_migrations VALUES (27, 'segmentation', '0010_leaner_search_indexes', '2026-12-07 23:33:41.747491+00');
INSERT INTO public.django_migrations VALUES (28, 'segmentation', '0011_order_indexes', '2026-12-07 23:33:41.815713+00');
INSERT INTO public.django_migrations VALUES (29, 'segmentation', '0012_covered_foreign_key_indexes', '2026-12-07 23:33:42.14257+00');
INSERT INTO public.django_migrations VALUES (30, 'campaigns', '0001_initial', '2026-12-07 23:33:42.440976+00');
INSERT INTO public.django_migrations VALUES (31, 'campaigns', '0002_roles', '2026-12-07 23:33:42.529029+00');
INSERT INTO public.django_migrations VALUES (32, 'campaigns', '0003_order_attribution', '2026-12-07 23:33:42.599634+00');
INSERT INTO public.django_migrations VALUES (33, 'campaigns', '0004_ab_winner_results', '2026-12-07 23:33:43.180294+00');
INSERT INTO public.django_migrations VALUES (34, 'campaigns', '0005_delivery_converted_idx', '2026-12-07 23:33:43.224743+00');
INSERT INTO public.django_migrations VALUES (35, 'campaigns', '0006_covered_foreign_key_indexes', '2026-12-07 23:33:43.421133+00');
INSERT INTO public.django_migrations VALUES (36, 'feedback', '0001_initial', '2026-12-07 23:33:44.486827+00');
INSERT INTO public.django_migrations VALUES (37, 'feedback', '0002_roles', '2026-12-07 23:33:44.600471+00');
INSERT INTO public.django_migrations VALUES (38, 'feedback', '0003_covered_foreign_key_indexes', '2026-12-07 23:33:45.133619+00');
INSERT INTO public.django_migrations VALUES (39, 'segmentation', '0013_order_history', '2026-12-07 23:33:45.20091+00');
INSERT INTO public.django_migrations VALUES (40, 'segmentation', '0014_member_ids_aggregate', '2026-12-07 23:33:45.253443+00');
INSERT INTO public.django_migrations VALUES (41, 'segmentation', '0015_customer_facts', '2026-12-07 23:33:45.332108+00');
INSERT INTO public.django_migrations VALUES (42, 'segmentation', '0016_customer_facts_layout', '2026-12-07 23:33:45.507536+00');
INSERT INTO public.django_migrations VALUES (43, 'sessions', '0001_initial', '2026-12-07 23:33:45.544201+00');


--
-- Data for Name: django_session; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: feedback_answer; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.feedback_answer VALUES (1, 7, '', NULL, 1, 1);
INSERT INTO public.feedback_answer VALUES (2, NULL, '', 1, 2, 1);
INSERT INTO public.feedback_answer VALUES (3, 8, '', NULL, 1, 2);
INSERT INTO public.feedback_answer VALUES (4, NULL, '', 1, 2, 2);
INSERT INTO public.feedback_answer VALUES (5, 9, '', NULL, 1, 3);
INSERT INTO public.feedback_answer VALUES (6, NULL, '', 1, 2, 3);


--
-- Data for Name: feedback_choice; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.feedback_choice VALUES (1, 0, 'This one', 2);


--
-- Data for Name: feedback_question; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.feedback_question VALUES (1, 0, 'nps', 'Recommend us?', '', true, 1);
INSERT INTO public.feedback_question VALUES (2, 1, 'single', 'Which?', '', true, 1);


--
-- Data for Name: feedback_response; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.feedback_response VALUES (1, '2026-12-07 23:33:51.526906+00', '2026-12-07 23:33:51.526912+00', 1, 1, 1, 1, 1);
INSERT INTO public.feedback_response VALUES (2, '2026-12-07 23:33:51.540778+00', '2026-12-07 23:33:51.540784+00', 2, 2, 1, 1, 1);
INSERT INTO public.feedback_response VALUES (3, '2026-12-07 23:33:51.548772+00', '2026-12-07 23:33:51.548777+00', 3, 3, 1, 1, 1);


--
-- Data for Name: feedback_survey; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.feedback_survey VALUES (1, 'How was it?', '', '', 'open', '2026-12-07 23:33:51.506985+00', '2026-12-07 23:33:51.507144+00', 1);


--
-- Data for Name: feedback_tracksurvey; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.feedback_tracksurvey VALUES (1, '2026-12-07 23:33:51.522057+00', 1, 1);


--
-- Data for Name: segmentation_apikey; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_apikey VALUES (1, 'Shop', 'abcd1234', 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk', true, '2026-12-07 23:33:51.431195+00', NULL, NULL);


--
-- Data for Name: segmentation_attributedefinition; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_attributedefinition VALUES (1, 'loyalty_card', 'Loyalty card', 'boolean', '');


--
-- Data for Name: segmentation_cart; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_cart VALUES (1, 'cart-1', 'open', 42.00, 2, '2026-12-07 18:33:50+00', 2, 1);


--
-- Data for Name: segmentation_consentevent; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_consentevent VALUES (1, 'hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh', 'email', 'granted', 'import', '2026-12-07 23:33:51.388124+00', '', NULL, '', 'upgrade fixture', 1, NULL, 2, NULL);
INSERT INTO public.segmentation_consentevent VALUES (2, 'hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh', 'email', 'granted', 'import', '2026-12-07 23:33:51.395982+00', '', NULL, '', '', 1, 1, NULL, 1);
INSERT INTO public.segmentation_consentevent VALUES (3, 'hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh', 'email', 'granted', 'import', '2026-12-07 23:33:51.407327+00', '', NULL, '', 'upgrade fixture', 2, NULL, 2, NULL);
INSERT INTO public.segmentation_consentevent VALUES (4, 'hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh', 'email', 'granted', 'import', '2026-12-07 23:33:51.409216+00', '', NULL, '', '', 2, 3, NULL, 1);
INSERT INTO public.segmentation_consentevent VALUES (5, 'hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh', 'email', 'granted', 'import', '2026-12-07 23:33:51.413117+00', '', NULL, '', 'upgrade fixture', 3, NULL, 2, NULL);
INSERT INTO public.segmentation_consentevent VALUES (6, 'hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh', 'email', 'granted', 'import', '2026-12-07 23:33:51.417454+00', '', NULL, '', '', 3, 5, NULL, 1);


--
-- Data for Name: segmentation_consentwording; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_consentwording VALUES (1, 'email-v1', 'Yes, send me news and offers by email. I can unsubscribe at any time with the link in every message or in my preference center.', '2026-12-07 23:33:40.736066+00');
INSERT INTO public.segmentation_consentwording VALUES (2, 'v1', 'May we write to you?', '2026-12-07 23:33:51.380938+00');


--
-- Data for Name: segmentation_customer; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_customer VALUES (3, 'person2@example.com', '+4915112345002', 'C-2', 'Per2', 'Son', 'per2', 'son', '', '1982-01-02', '', NULL, '', '', 'DE', '', '', '', '', '', '{"loyalty_card": true}', 1, 21.90, 21.90, '2026-12-04 23:33:50+00', '2026-12-04 23:33:50+00', '2026-12-07 23:33:51.268612+00', '2026-12-07 23:33:51.268888+00', 'granted', NULL, '10c4a170-f189-4f3d-b181-49756cc0216f', 'none', NULL, NULL, NULL, '');
INSERT INTO public.segmentation_customer VALUES (2, 'person1@example.com', '+4915112345001', 'C-1', 'Per1', 'Son', 'per1', 'son', '', '1981-01-02', '', NULL, '', '', 'DE', '', '', '', '', '', '{"loyalty_card": false}', 1, 20.90, 20.90, '2026-12-05 23:33:50+00', '2026-12-05 23:33:50+00', '2026-12-07 23:33:51.250192+00', '2026-12-07 23:33:51.250516+00', 'granted', NULL, 'f2a42813-b95b-4c20-aa31-155ff2d7127f', 'none', NULL, NULL, NULL, '');
INSERT INTO public.segmentation_customer VALUES (1, 'person0@example.com', '+4915112345000', 'C-0', 'Per0', 'Son', 'per0', 'son', '', '1980-01-02', '', NULL, '', '', 'DE', '', '', '', '', '', '{"loyalty_card": true}', 1, 19.90, 19.90, '2026-12-06 23:33:50+00', '2026-12-06 23:33:50+00', '2026-12-07 23:33:51.09716+00', '2026-12-07 23:33:51.097784+00', 'granted', NULL, '85692e3a-f7e3-4ea9-8f1b-eeea1c6896cd', 'none', NULL, NULL, NULL, '');


--
-- Data for Name: segmentation_customerfacts; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_customerfacts VALUES (3, 21.9, '2026-12-07 23:33:51.268612+00', 2, 1, true, false, 'DE', '1982-01-02', '2026-12-04 23:33:50+00', '', '', '', '', '', 21.90, 21.90, NULL, NULL, NULL, NULL, '2026-12-04 23:33:50+00', NULL, NULL, '{1}', '{"loyalty_card": true}', '{"2026-12-04 23:33:50+00"}', '{0.00,21.90}', '', '', '', '');
INSERT INTO public.segmentation_customerfacts VALUES (1, 19.9, '2026-12-07 23:33:51.09716+00', 2, 1, true, false, 'DE', '1980-01-02', '2026-12-06 23:33:50+00', '', '', '', '', '', 19.90, 19.90, NULL, NULL, NULL, NULL, '2026-12-06 23:33:50+00', NULL, NULL, '{1}', '{"loyalty_card": true}', '{"2026-12-06 23:33:50+00"}', '{0.00,19.90}', '', '', '', '');
INSERT INTO public.segmentation_customerfacts VALUES (2, 20.9, '2026-12-07 23:33:51.250192+00', 2, 1, true, false, 'DE', '1981-01-02', '2026-12-05 23:33:50+00', '', '', '', '', '', 20.90, 20.90, NULL, NULL, NULL, NULL, '2026-12-05 23:33:50+00', '2026-12-07 18:33:50+00', NULL, '{1}', '{"loyalty_card": false}', '{"2026-12-05 23:33:50+00"}', '{0.00,20.90}', '', '', '', '');


--
-- Data for Name: segmentation_customerinterest; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_customerinterest VALUES (1, 1, 1);
INSERT INTO public.segmentation_customerinterest VALUES (2, 2, 1);
INSERT INTO public.segmentation_customerinterest VALUES (3, 3, 1);


--
-- Data for Name: segmentation_event; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_event VALUES (1, 'pv-1', 'page_view', '2026-12-07 23:33:50+00', '2026-12-07 23:33:51.435642+00', '{"url": "https://shop.example.com/"}', 1, 1);


--
-- Data for Name: segmentation_importjob; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_importjob VALUES (1, 'customers', 'done', 'uploads/2026/12/customers.csv', 'customers.csv', 100, '', '', '', '["Email"]', '{"0": "email"}', '{}', '2026-12-07 23:33:51.445059+00', NULL, NULL, 3, 3, 0, false, '{}', '{"rows": 3}', '', 1);


--
-- Data for Name: segmentation_importmapping; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_importmapping VALUES (1, 'customers', 'ssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss', '{"0": "email"}', '2026-12-07 23:33:51.452954+00');


--
-- Data for Name: segmentation_interest; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_interest VALUES (1, 'books', 'Books');


--
-- Data for Name: segmentation_order; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_order VALUES (1, 'O-0', '2026-12-06 23:33:50+00', 19.90, 'EUR', '[{"qty": 1, "sku": "B-1"}]', 1);
INSERT INTO public.segmentation_order VALUES (2, 'O-1', '2026-12-05 23:33:50+00', 20.90, 'EUR', '[{"qty": 1, "sku": "B-1"}]', 2);
INSERT INTO public.segmentation_order VALUES (3, 'O-2', '2026-12-04 23:33:50+00', 21.90, 'EUR', '[{"qty": 1, "sku": "B-1"}]', 3);


--
-- Data for Name: segmentation_orderhistory; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_orderhistory VALUES (1, '{"2026-12-06 23:33:50+00"}', '{0.00,19.90}');
INSERT INTO public.segmentation_orderhistory VALUES (2, '{"2026-12-05 23:33:50+00"}', '{0.00,20.90}');
INSERT INTO public.segmentation_orderhistory VALUES (3, '{"2026-12-04 23:33:50+00"}', '{0.00,21.90}');


--
-- Data for Name: segmentation_segment; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_segment VALUES (1, 'Everyone', '', '{"op": "and", "type": "group", "negate": false, "children": []}', '2026-12-07 23:33:51.46883+00', '2026-12-07 23:33:51.469007+00', NULL, NULL, NULL, NULL, 1, NULL, NULL);


--
-- Data for Name: segmentation_statssnapshot; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_statssnapshot VALUES (1, '2026-12-07 23:33:51.453985+00', 3, 3, 3, 3, '[{"orders": 3, "revenue": "62.70", "currency": "EUR"}]', '[["DE", 3]]');


--
-- Data for Name: segmentation_suppression; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_suppression VALUES (1, 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', 'email', '2026-12-07 23:33:51.428942+00', 'erased');


--
-- Data for Name: segmentation_topic; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_topic VALUES (1, 'news', 'News', '', true);


--
-- Data for Name: segmentation_topicconsent; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.segmentation_topicconsent VALUES (1, 'email', 'granted', '2026-12-07 23:33:50+00', 1, 1);
INSERT INTO public.segmentation_topicconsent VALUES (2, 'email', 'granted', '2026-12-07 23:33:50+00', 2, 1);
INSERT INTO public.segmentation_topicconsent VALUES (3, 'email', 'granted', '2026-12-07 23:33:50+00', 3, 1);


--
-- Name: auth_group_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.auth_group_id_seq', 2, true);


--
-- Name: auth_group_permissions_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.auth_group_permissions_id_seq', 78, true);


--
-- Name: auth_permission_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.auth_permission_id_seq', 152, true);


--
-- Name: auth_user_groups_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.auth_user_groups_id_seq', 1, false);


--
-- Name: auth_user_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.auth_user_id_seq', 1, true);


--
-- Name: auth_user_user_permissions_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.auth_user_user_permissions_id_seq', 1, false);


--
-- Name: campaigns_campaign_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.campaigns_campaign_id_seq', 1, true);


--
-- Name: campaigns_campaignresult_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.campaigns_campaignresult_id_seq', 1, true);


--
-- Name: campaigns_delivery_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.campaigns_delivery_id_seq', 3, true);


--
-- Name: campaigns_orderattribution_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.campaigns_orderattribution_id_seq', 1, true);


--
-- Name: campaigns_track_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.campaigns_track_id_seq', 1, true);


--
-- Name: campaigns_variant_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.campaigns_variant_id_seq', 1, true);


--
-- Name: campaigns_winnerdecision_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.campaigns_winnerdecision_id_seq', 1, true);


--
-- Name: django_admin_log_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.django_admin_log_id_seq', 1, false);


--
-- Name: django_content_type_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.django_content_type_id_seq', 38, true);


--
-- Name: django_migrations_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.django_migrations_id_seq', 43, true);


--
-- Name: feedback_answer_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.feedback_answer_id_seq', 6, true);


--
-- Name: feedback_choice_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.feedback_choice_id_seq', 1, true);


--
-- Name: feedback_question_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.feedback_question_id_seq', 2, true);


--
-- Name: feedback_response_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.feedback_response_id_seq', 3, true);


--
-- Name: feedback_survey_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.feedback_survey_id_seq', 1, true);


--
-- Name: feedback_tracksurvey_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.feedback_tracksurvey_id_seq', 1, true);


--
-- Name: segmentation_apikey_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_apikey_id_seq', 1, true);


--
-- Name: segmentation_attributedefinition_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_attributedefinition_id_seq', 1, true);


--
-- Name: segmentation_cart_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_cart_id_seq', 1, true);


--
-- Name: segmentation_consentevent_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_consentevent_id_seq', 6, true);


--
-- Name: segmentation_consentwording_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_consentwording_id_seq', 2, true);


--
-- Name: segmentation_customer_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_customer_id_seq', 3, true);


--
-- Name: segmentation_customerinterest_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_customerinterest_id_seq', 3, true);


--
-- Name: segmentation_event_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_event_id_seq', 1, true);


--
-- Name: segmentation_importjob_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_importjob_id_seq', 1, true);


--
-- Name: segmentation_importmapping_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_importmapping_id_seq', 1, true);


--
-- Name: segmentation_interest_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_interest_id_seq', 1, true);


--
-- Name: segmentation_order_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_order_id_seq', 3, true);


--
-- Name: segmentation_segment_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_segment_id_seq', 1, true);


--
-- Name: segmentation_statssnapshot_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_statssnapshot_id_seq', 1, true);


--
-- Name: segmentation_suppression_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_suppression_id_seq', 1, true);


--
-- Name: segmentation_topic_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_topic_id_seq', 1, true);


--
-- Name: segmentation_topicconsent_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segmentation_topicconsent_id_seq', 3, true);


--
-- Name: auth_group auth_group_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_group
    ADD CONSTRAINT auth_group_name_key UNIQUE (name);


--
-- Name: auth_group_permissions auth_group_permissions_group_id_permission_id_0cd325b0_uniq; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_group_permissions
    ADD CONSTRAINT auth_group_permissions_group_id_permission_id_0cd325b0_uniq UNIQUE (group_id, permission_id);


--
-- Name: auth_group_permissions auth_group_permissions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_group_permissions
    ADD CONSTRAINT auth_group_permissions_pkey PRIMARY KEY (id);


--
-- Name: auth_group auth_group_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_group
    ADD CONSTRAINT auth_group_pkey PRIMARY KEY (id);


--
-- Name: auth_permission auth_permission_content_type_id_codename_01ab375a_uniq; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_permission
    ADD CONSTRAINT auth_permission_content_type_id_codename_01ab375a_uniq UNIQUE (content_type_id, codename);


--
-- Name: auth_permission auth_permission_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_permission
    ADD CONSTRAINT auth_permission_pkey PRIMARY KEY (id);


--
-- Name: auth_user_groups auth_user_groups_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_user_groups
    ADD CONSTRAINT auth_user_groups_pkey PRIMARY KEY (id);


--
-- Name: auth_user_groups auth_user_groups_user_id_group_id_94350c0c_uniq; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_user_groups
    ADD CONSTRAINT auth_user_groups_user_id_group_id_94350c0c_uniq UNIQUE (user_id, group_id);


--
-- Name: auth_user auth_user_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_user
    ADD CONSTRAINT auth_user_pkey PRIMARY KEY (id);


--
-- Name: auth_user_user_permissions auth_user_user_permissions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_user_user_permissions
    ADD CONSTRAINT auth_user_user_permissions_pkey PRIMARY KEY (id);


--
-- Name: auth_user_user_permissions auth_user_user_permissions_user_id_permission_id_14a6b632_uniq; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_user_user_permissions
    ADD CONSTRAINT auth_user_user_permissions_user_id_permission_id_14a6b632_uniq UNIQUE (user_id, permission_id);


--
-- Name: auth_user auth_user_username_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_user
    ADD CONSTRAINT auth_user_username_key UNIQUE (username);


--
-- Name: campaigns_campaign campaigns_campaign_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_campaign
    ADD CONSTRAINT campaigns_campaign_pkey PRIMARY KEY (id);


--
-- Name: campaigns_campaignresult campaigns_campaignresult_campaign_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_campaignresult
    ADD CONSTRAINT campaigns_campaignresult_campaign_id_key UNIQUE (campaign_id);


--
-- Name: campaigns_campaignresult campaigns_campaignresult_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_campaignresult
    ADD CONSTRAINT campaigns_campaignresult_pkey PRIMARY KEY (id);


--
-- Name: campaigns_delivery campaigns_delivery_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_delivery
    ADD CONSTRAINT campaigns_delivery_pkey PRIMARY KEY (id);


--
-- Name: campaigns_delivery campaigns_delivery_public_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_delivery
    ADD CONSTRAINT campaigns_delivery_public_id_key UNIQUE (public_id);


--
-- Name: campaigns_orderattribution campaigns_orderattribution_order_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_orderattribution
    ADD CONSTRAINT campaigns_orderattribution_order_id_key UNIQUE (order_id);


--
-- Name: campaigns_orderattribution campaigns_orderattribution_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_orderattribution
    ADD CONSTRAINT campaigns_orderattribution_pkey PRIMARY KEY (id);


--
-- Name: campaigns_track campaigns_track_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_track
    ADD CONSTRAINT campaigns_track_pkey PRIMARY KEY (id);


--
-- Name: campaigns_variant campaigns_variant_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_variant
    ADD CONSTRAINT campaigns_variant_pkey PRIMARY KEY (id);


--
-- Name: campaigns_winnerdecision campaigns_winnerdecision_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_winnerdecision
    ADD CONSTRAINT campaigns_winnerdecision_pkey PRIMARY KEY (id);


--
-- Name: campaigns_winnerdecision campaigns_winnerdecision_track_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_winnerdecision
    ADD CONSTRAINT campaigns_winnerdecision_track_id_key UNIQUE (track_id);


--
-- Name: segmentation_cart cart_once; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_cart
    ADD CONSTRAINT cart_once UNIQUE (integration_id, cart_id);


--
-- Name: feedback_choice choice_label_once; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_choice
    ADD CONSTRAINT choice_label_once UNIQUE (question_id, label);


--
-- Name: segmentation_customer customer_external_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_customer
    ADD CONSTRAINT customer_external_id_key UNIQUE (external_id);


--
-- Name: segmentation_customerinterest customer_interest_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_customerinterest
    ADD CONSTRAINT customer_interest_unique UNIQUE (customer_id, interest_id);


--
-- Name: campaigns_delivery delivery_once; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_delivery
    ADD CONSTRAINT delivery_once UNIQUE (campaign_id, customer_id);


--
-- Name: django_admin_log django_admin_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.django_admin_log
    ADD CONSTRAINT django_admin_log_pkey PRIMARY KEY (id);


--
-- Name: django_content_type django_content_type_app_label_model_76bd3d3b_uniq; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.django_content_type
    ADD CONSTRAINT django_content_type_app_label_model_76bd3d3b_uniq UNIQUE (app_label, model);


--
-- Name: django_content_type django_content_type_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.django_content_type
    ADD CONSTRAINT django_content_type_pkey PRIMARY KEY (id);


--
-- Name: django_migrations django_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.django_migrations
    ADD CONSTRAINT django_migrations_pkey PRIMARY KEY (id);


--
-- Name: django_session django_session_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.django_session
    ADD CONSTRAINT django_session_pkey PRIMARY KEY (session_key);


--
-- Name: segmentation_event event_once; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_event
    ADD CONSTRAINT event_once UNIQUE (integration_id, event_id);


--
-- Name: feedback_answer feedback_answer_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_answer
    ADD CONSTRAINT feedback_answer_pkey PRIMARY KEY (id);


--
-- Name: feedback_choice feedback_choice_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_choice
    ADD CONSTRAINT feedback_choice_pkey PRIMARY KEY (id);


--
-- Name: feedback_question feedback_question_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_question
    ADD CONSTRAINT feedback_question_pkey PRIMARY KEY (id);


--
-- Name: feedback_response feedback_response_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_response
    ADD CONSTRAINT feedback_response_pkey PRIMARY KEY (id);


--
-- Name: feedback_survey feedback_survey_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_survey
    ADD CONSTRAINT feedback_survey_name_key UNIQUE (name);


--
-- Name: feedback_survey feedback_survey_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_survey
    ADD CONSTRAINT feedback_survey_pkey PRIMARY KEY (id);


--
-- Name: feedback_tracksurvey feedback_tracksurvey_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_tracksurvey
    ADD CONSTRAINT feedback_tracksurvey_pkey PRIMARY KEY (id);


--
-- Name: feedback_tracksurvey feedback_tracksurvey_track_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_tracksurvey
    ADD CONSTRAINT feedback_tracksurvey_track_id_key UNIQUE (track_id);


--
-- Name: segmentation_importmapping import_mapping_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_importmapping
    ADD CONSTRAINT import_mapping_unique UNIQUE (kind, signature);


--
-- Name: segmentation_order order_external_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_order
    ADD CONSTRAINT order_external_id_key UNIQUE (external_id);


--
-- Name: feedback_response response_once; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_response
    ADD CONSTRAINT response_once UNIQUE (survey_id, delivery_id);


--
-- Name: segmentation_apikey segmentation_apikey_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_apikey
    ADD CONSTRAINT segmentation_apikey_name_key UNIQUE (name);


--
-- Name: segmentation_apikey segmentation_apikey_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_apikey
    ADD CONSTRAINT segmentation_apikey_pkey PRIMARY KEY (id);


--
-- Name: segmentation_apikey segmentation_apikey_prefix_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_apikey
    ADD CONSTRAINT segmentation_apikey_prefix_key UNIQUE (prefix);


--
-- Name: segmentation_attributedefinition segmentation_attributedefinition_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_attributedefinition
    ADD CONSTRAINT segmentation_attributedefinition_key_key UNIQUE (key);


--
-- Name: segmentation_attributedefinition segmentation_attributedefinition_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_attributedefinition
    ADD CONSTRAINT segmentation_attributedefinition_pkey PRIMARY KEY (id);


--
-- Name: segmentation_cart segmentation_cart_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_cart
    ADD CONSTRAINT segmentation_cart_pkey PRIMARY KEY (id);


--
-- Name: segmentation_consentevent segmentation_consentevent_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_consentevent
    ADD CONSTRAINT segmentation_consentevent_pkey PRIMARY KEY (id);


--
-- Name: segmentation_consentwording segmentation_consentwording_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_consentwording
    ADD CONSTRAINT segmentation_consentwording_pkey PRIMARY KEY (id);


--
-- Name: segmentation_consentwording segmentation_consentwording_version_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_consentwording
    ADD CONSTRAINT segmentation_consentwording_version_key UNIQUE (version);


--
-- Name: segmentation_customer segmentation_customer_email_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_customer
    ADD CONSTRAINT segmentation_customer_email_key UNIQUE (email);


--
-- Name: segmentation_customer segmentation_customer_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_customer
    ADD CONSTRAINT segmentation_customer_pkey PRIMARY KEY (id);


--
-- Name: segmentation_customer segmentation_customer_public_id_d30c823c_uniq; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_customer
    ADD CONSTRAINT segmentation_customer_public_id_d30c823c_uniq UNIQUE (public_id);


--
-- Name: segmentation_customerfacts segmentation_customerfacts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_customerfacts
    ADD CONSTRAINT segmentation_customerfacts_pkey PRIMARY KEY (customer_id);


--
-- Name: segmentation_customerinterest segmentation_customerinterest_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_customerinterest
    ADD CONSTRAINT segmentation_customerinterest_pkey PRIMARY KEY (id);


--
-- Name: segmentation_event segmentation_event_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_event
    ADD CONSTRAINT segmentation_event_pkey PRIMARY KEY (id);


--
-- Name: segmentation_importjob segmentation_importjob_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_importjob
    ADD CONSTRAINT segmentation_importjob_pkey PRIMARY KEY (id);


--
-- Name: segmentation_importmapping segmentation_importmapping_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_importmapping
    ADD CONSTRAINT segmentation_importmapping_pkey PRIMARY KEY (id);


--
-- Name: segmentation_interest segmentation_interest_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_interest
    ADD CONSTRAINT segmentation_interest_pkey PRIMARY KEY (id);


--
-- Name: segmentation_interest segmentation_interest_slug_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_interest
    ADD CONSTRAINT segmentation_interest_slug_key UNIQUE (slug);


--
-- Name: segmentation_order segmentation_order_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_order
    ADD CONSTRAINT segmentation_order_pkey PRIMARY KEY (id);


--
-- Name: segmentation_orderhistory segmentation_orderhistory_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_orderhistory
    ADD CONSTRAINT segmentation_orderhistory_pkey PRIMARY KEY (customer_id);


--
-- Name: segmentation_segment segmentation_segment_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_segment
    ADD CONSTRAINT segmentation_segment_name_key UNIQUE (name);


--
-- Name: segmentation_segment segmentation_segment_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_segment
    ADD CONSTRAINT segmentation_segment_pkey PRIMARY KEY (id);


--
-- Name: segmentation_statssnapshot segmentation_statssnapshot_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_statssnapshot
    ADD CONSTRAINT segmentation_statssnapshot_pkey PRIMARY KEY (id);


--
-- Name: segmentation_suppression segmentation_suppression_address_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_suppression
    ADD CONSTRAINT segmentation_suppression_address_hash_key UNIQUE (address_hash);


--
-- Name: segmentation_suppression segmentation_suppression_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_suppression
    ADD CONSTRAINT segmentation_suppression_pkey PRIMARY KEY (id);


--
-- Name: segmentation_topic segmentation_topic_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_topic
    ADD CONSTRAINT segmentation_topic_pkey PRIMARY KEY (id);


--
-- Name: segmentation_topic segmentation_topic_slug_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_topic
    ADD CONSTRAINT segmentation_topic_slug_key UNIQUE (slug);


--
-- Name: segmentation_topicconsent segmentation_topicconsent_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_topicconsent
    ADD CONSTRAINT segmentation_topicconsent_pkey PRIMARY KEY (id);


--
-- Name: segmentation_topicconsent topic_consent_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_topicconsent
    ADD CONSTRAINT topic_consent_unique UNIQUE (customer_id, topic_id, channel);


--
-- Name: campaigns_track track_segment_once; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_track
    ADD CONSTRAINT track_segment_once UNIQUE (campaign_id, segment_id);


--
-- Name: campaigns_variant variant_label_once; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_variant
    ADD CONSTRAINT variant_label_once UNIQUE (track_id, label);


--
-- Name: answer_choice_once; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX answer_choice_once ON public.feedback_answer USING btree (response_id, question_id, choice_id) WHERE (choice_id IS NOT NULL);


--
-- Name: answer_once; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX answer_once ON public.feedback_answer USING btree (response_id, question_id) WHERE (choice_id IS NULL);


--
-- Name: answer_question_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX answer_question_idx ON public.feedback_answer USING btree (question_id, number);


--
-- Name: attribution_time_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX attribution_time_idx ON public.campaigns_orderattribution USING btree (attributed_at);


--
-- Name: auth_group_name_a6ea08ec_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX auth_group_name_a6ea08ec_like ON public.auth_group USING btree (name varchar_pattern_ops);


--
-- Name: auth_group_permissions_group_id_b120cbf9; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX auth_group_permissions_group_id_b120cbf9 ON public.auth_group_permissions USING btree (group_id);


--
-- Name: auth_group_permissions_permission_id_84c5c92e; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX auth_group_permissions_permission_id_84c5c92e ON public.auth_group_permissions USING btree (permission_id);


--
-- Name: auth_permission_content_type_id_2f476e4b; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX auth_permission_content_type_id_2f476e4b ON public.auth_permission USING btree (content_type_id);


--
-- Name: auth_user_groups_group_id_97559544; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX auth_user_groups_group_id_97559544 ON public.auth_user_groups USING btree (group_id);


--
-- Name: auth_user_groups_user_id_6a12ed8b; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX auth_user_groups_user_id_6a12ed8b ON public.auth_user_groups USING btree (user_id);


--
-- Name: auth_user_user_permissions_permission_id_1fbb5f2c; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX auth_user_user_permissions_permission_id_1fbb5f2c ON public.auth_user_user_permissions USING btree (permission_id);


--
-- Name: auth_user_user_permissions_user_id_a95ead1b; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX auth_user_user_permissions_user_id_a95ead1b ON public.auth_user_user_permissions USING btree (user_id);


--
-- Name: auth_user_username_6821ab7c_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX auth_user_username_6821ab7c_like ON public.auth_user USING btree (username varchar_pattern_ops);


--
-- Name: campaigns_campaign_created_by_id_11fada74; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX campaigns_campaign_created_by_id_11fada74 ON public.campaigns_campaign USING btree (created_by_id);


--
-- Name: campaigns_campaign_topic_id_91340806; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX campaigns_campaign_topic_id_91340806 ON public.campaigns_campaign USING btree (topic_id);


--
-- Name: campaigns_delivery_conversion_order_id_85f38702; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX campaigns_delivery_conversion_order_id_85f38702 ON public.campaigns_delivery USING btree (conversion_order_id);


--
-- Name: campaigns_delivery_track_id_72551c2d; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX campaigns_delivery_track_id_72551c2d ON public.campaigns_delivery USING btree (track_id);


--
-- Name: campaigns_delivery_variant_id_f17945d7; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX campaigns_delivery_variant_id_f17945d7 ON public.campaigns_delivery USING btree (variant_id);


--
-- Name: campaigns_orderattribution_delivery_id_956504b8; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX campaigns_orderattribution_delivery_id_956504b8 ON public.campaigns_orderattribution USING btree (delivery_id);


--
-- Name: campaigns_track_segment_id_e9ff4e02; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX campaigns_track_segment_id_e9ff4e02 ON public.campaigns_track USING btree (segment_id);


--
-- Name: campaigns_winnerdecision_winner_id_8816b675; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX campaigns_winnerdecision_winner_id_8816b675 ON public.campaigns_winnerdecision USING btree (winner_id);


--
-- Name: cart_customer_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX cart_customer_idx ON public.segmentation_cart USING btree (customer_id, status);


--
-- Name: cart_status_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX cart_status_idx ON public.segmentation_cart USING btree (status, updated_at);


--
-- Name: consent_address_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consent_address_idx ON public.segmentation_consentevent USING btree (address_hash);


--
-- Name: consent_customer_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX consent_customer_idx ON public.segmentation_consentevent USING btree (customer_id, channel, topic_id);


--
-- Name: customer_country_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX customer_country_idx ON public.segmentation_customer USING btree (country, id);


--
-- Name: customer_created_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX customer_created_idx ON public.segmentation_customer USING btree (created_at);


--
-- Name: customer_device_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX customer_device_idx ON public.segmentation_customer USING btree (device_type, id);


--
-- Name: customer_first_name_lower_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX customer_first_name_lower_idx ON public.segmentation_customer USING btree (first_name_lower varchar_pattern_ops);


--
-- Name: customer_gender_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX customer_gender_idx ON public.segmentation_customer USING btree (gender, id);


--
-- Name: customer_last_name_lower_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX customer_last_name_lower_idx ON public.segmentation_customer USING btree (last_name_lower varchar_pattern_ops);


--
-- Name: customer_last_order_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX customer_last_order_idx ON public.segmentation_customer USING btree (last_order_at);


--
-- Name: customer_phone_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX customer_phone_idx ON public.segmentation_customer USING btree (phone varchar_pattern_ops);


--
-- Name: delivery_converted_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX delivery_converted_idx ON public.campaigns_delivery USING btree (campaign_id, converted_at) WHERE (converted_at IS NOT NULL);


--
-- Name: delivery_customer_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX delivery_customer_idx ON public.campaigns_delivery USING btree (customer_id, sent_at);


--
-- Name: delivery_queue_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX delivery_queue_idx ON public.campaigns_delivery USING btree (campaign_id, status, id);


--
-- Name: delivery_results_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX delivery_results_idx ON public.campaigns_delivery USING btree (campaign_id, track_id, variant_id);


--
-- Name: django_admin_log_content_type_id_c4bce8eb; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX django_admin_log_content_type_id_c4bce8eb ON public.django_admin_log USING btree (content_type_id);


--
-- Name: django_admin_log_user_id_c564eba6; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX django_admin_log_user_id_c564eba6 ON public.django_admin_log USING btree (user_id);


--
-- Name: django_session_expire_date_a5c62663; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX django_session_expire_date_a5c62663 ON public.django_session USING btree (expire_date);


--
-- Name: django_session_session_key_c0390e0f_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX django_session_session_key_c0390e0f_like ON public.django_session USING btree (session_key varchar_pattern_ops);


--
-- Name: event_customer_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX event_customer_idx ON public.segmentation_event USING btree (customer_id, kind, occurred_at);


--
-- Name: event_kind_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX event_kind_idx ON public.segmentation_event USING btree (kind, occurred_at);


--
-- Name: feedback_answer_choice_id_37798731; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX feedback_answer_choice_id_37798731 ON public.feedback_answer USING btree (choice_id);


--
-- Name: feedback_answer_response_id_7a14ef5c; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX feedback_answer_response_id_7a14ef5c ON public.feedback_answer USING btree (response_id);


--
-- Name: feedback_question_survey_id_690e28ee; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX feedback_question_survey_id_690e28ee ON public.feedback_question USING btree (survey_id);


--
-- Name: feedback_response_delivery_id_72d66df3; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX feedback_response_delivery_id_72d66df3 ON public.feedback_response USING btree (delivery_id);


--
-- Name: feedback_response_track_id_eb5523d0; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX feedback_response_track_id_eb5523d0 ON public.feedback_response USING btree (track_id);


--
-- Name: feedback_response_variant_id_5b58a254; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX feedback_response_variant_id_5b58a254 ON public.feedback_response USING btree (variant_id);


--
-- Name: feedback_survey_created_by_id_e74ccb07; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX feedback_survey_created_by_id_e74ccb07 ON public.feedback_survey USING btree (created_by_id);


--
-- Name: feedback_survey_name_2a55f6c4_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX feedback_survey_name_2a55f6c4_like ON public.feedback_survey USING btree (name varchar_pattern_ops);


--
-- Name: feedback_tracksurvey_survey_id_54c1a19a; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX feedback_tracksurvey_survey_id_54c1a19a ON public.feedback_tracksurvey USING btree (survey_id);


--
-- Name: interest_customer_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX interest_customer_idx ON public.segmentation_customerinterest USING btree (interest_id, customer_id);


--
-- Name: order_customer_placed_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX order_customer_placed_idx ON public.segmentation_order USING btree (customer_id, placed_at);


--
-- Name: order_placed_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX order_placed_idx ON public.segmentation_order USING btree (placed_at);


--
-- Name: response_customer_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX response_customer_idx ON public.feedback_response USING btree (customer_id, updated_at);


--
-- Name: response_results_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX response_results_idx ON public.feedback_response USING btree (survey_id, track_id, variant_id);


--
-- Name: segmentation_apikey_created_by_id_d28c605b; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_apikey_created_by_id_d28c605b ON public.segmentation_apikey USING btree (created_by_id);


--
-- Name: segmentation_apikey_name_c46fe060_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_apikey_name_c46fe060_like ON public.segmentation_apikey USING btree (name varchar_pattern_ops);


--
-- Name: segmentation_apikey_prefix_18da148e_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_apikey_prefix_18da148e_like ON public.segmentation_apikey USING btree (prefix varchar_pattern_ops);


--
-- Name: segmentation_attributedefinition_key_58035dc5_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_attributedefinition_key_58035dc5_like ON public.segmentation_attributedefinition USING btree (key varchar_pattern_ops);


--
-- Name: segmentation_consentevent_created_at_c088701e; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_consentevent_created_at_c088701e ON public.segmentation_consentevent USING btree (created_at);


--
-- Name: segmentation_consentevent_request_id_2de27ee7; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_consentevent_request_id_2de27ee7 ON public.segmentation_consentevent USING btree (request_id);


--
-- Name: segmentation_consentevent_topic_id_9b36b7e2; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_consentevent_topic_id_9b36b7e2 ON public.segmentation_consentevent USING btree (topic_id);


--
-- Name: segmentation_consentevent_wording_id_ea25648b; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_consentevent_wording_id_ea25648b ON public.segmentation_consentevent USING btree (wording_id);


--
-- Name: segmentation_consentwording_version_caa91ba9_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_consentwording_version_caa91ba9_like ON public.segmentation_consentwording USING btree (version varchar_pattern_ops);


--
-- Name: segmentation_customer_email_1ff2691f_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_customer_email_1ff2691f_like ON public.segmentation_customer USING btree (email varchar_pattern_ops);


--
-- Name: segmentation_importjob_created_by_id_f9d1612c; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_importjob_created_by_id_f9d1612c ON public.segmentation_importjob USING btree (created_by_id);


--
-- Name: segmentation_interest_slug_6074793d_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_interest_slug_6074793d_like ON public.segmentation_interest USING btree (slug varchar_pattern_ops);


--
-- Name: segmentation_segment_created_by_id_c3513dc7; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_segment_created_by_id_c3513dc7 ON public.segmentation_segment USING btree (created_by_id);


--
-- Name: segmentation_segment_name_6c480e9e_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_segment_name_6c480e9e_like ON public.segmentation_segment USING btree (name varchar_pattern_ops);


--
-- Name: segmentation_statssnapshot_taken_at_e39a4fc0; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_statssnapshot_taken_at_e39a4fc0 ON public.segmentation_statssnapshot USING btree (taken_at);


--
-- Name: segmentation_suppression_address_hash_0b377ded_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_suppression_address_hash_0b377ded_like ON public.segmentation_suppression USING btree (address_hash varchar_pattern_ops);


--
-- Name: segmentation_topic_slug_e50f3fa1_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX segmentation_topic_slug_e50f3fa1_like ON public.segmentation_topic USING btree (slug varchar_pattern_ops);


--
-- Name: topic_consent_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX topic_consent_idx ON public.segmentation_topicconsent USING btree (topic_id, channel, status);


--
-- Name: segmentation_consentevent segmenta_consent_event_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_consent_event_append_only BEFORE DELETE OR UPDATE ON public.segmentation_consentevent FOR EACH ROW EXECUTE FUNCTION public.segmenta_consent_event_guard();


--
-- Name: segmentation_cart segmenta_facts_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_facts_delete AFTER DELETE ON public.segmentation_cart REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.segmenta_facts_of_links();


--
-- Name: segmentation_customer segmenta_facts_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_facts_delete AFTER DELETE ON public.segmentation_customer REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.segmenta_facts_of_customers();


--
-- Name: segmentation_customerinterest segmenta_facts_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_facts_delete AFTER DELETE ON public.segmentation_customerinterest REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.segmenta_facts_of_links();


--
-- Name: segmentation_orderhistory segmenta_facts_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_facts_delete AFTER DELETE ON public.segmentation_orderhistory REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.segmenta_facts_of_links();


--
-- Name: segmentation_cart segmenta_facts_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_facts_insert AFTER INSERT ON public.segmentation_cart REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.segmenta_facts_of_links();


--
-- Name: segmentation_customer segmenta_facts_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_facts_insert AFTER INSERT ON public.segmentation_customer REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.segmenta_facts_of_customers();


--
-- Name: segmentation_customerinterest segmenta_facts_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_facts_insert AFTER INSERT ON public.segmentation_customerinterest REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.segmenta_facts_of_links();


--
-- Name: segmentation_orderhistory segmenta_facts_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_facts_insert AFTER INSERT ON public.segmentation_orderhistory REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.segmenta_facts_of_links();


--
-- Name: segmentation_cart segmenta_facts_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_facts_truncate AFTER TRUNCATE ON public.segmentation_cart FOR EACH STATEMENT EXECUTE FUNCTION public.segmenta_facts_truncated();


--
-- Name: segmentation_customer segmenta_facts_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_facts_truncate AFTER TRUNCATE ON public.segmentation_customer FOR EACH STATEMENT EXECUTE FUNCTION public.segmenta_facts_truncated();


--
-- Name: segmentation_customerinterest segmenta_facts_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_facts_truncate AFTER TRUNCATE ON public.segmentation_customerinterest FOR EACH STATEMENT EXECUTE FUNCTION public.segmenta_facts_truncated();


--
-- Name: segmentation_orderhistory segmenta_facts_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_facts_truncate AFTER TRUNCATE ON public.segmentation_orderhistory FOR EACH STATEMENT EXECUTE FUNCTION public.segmenta_facts_truncated();


--
-- Name: segmentation_cart segmenta_facts_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_facts_update AFTER UPDATE ON public.segmentation_cart REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.segmenta_facts_of_links();


--
-- Name: segmentation_customer segmenta_facts_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_facts_update AFTER UPDATE ON public.segmentation_customer REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.segmenta_facts_of_customers();


--
-- Name: segmentation_customerinterest segmenta_facts_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_facts_update AFTER UPDATE ON public.segmentation_customerinterest REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.segmenta_facts_of_links();


--
-- Name: segmentation_orderhistory segmenta_facts_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER segmenta_facts_update AFTER UPDATE ON public.segmentation_orderhistory REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.segmenta_facts_of_links();


--
-- Name: auth_group_permissions auth_group_permissio_permission_id_84c5c92e_fk_auth_perm; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_group_permissions
    ADD CONSTRAINT auth_group_permissio_permission_id_84c5c92e_fk_auth_perm FOREIGN KEY (permission_id) REFERENCES public.auth_permission(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: auth_group_permissions auth_group_permissions_group_id_b120cbf9_fk_auth_group_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_group_permissions
    ADD CONSTRAINT auth_group_permissions_group_id_b120cbf9_fk_auth_group_id FOREIGN KEY (group_id) REFERENCES public.auth_group(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: auth_permission auth_permission_content_type_id_2f476e4b_fk_django_co; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_permission
    ADD CONSTRAINT auth_permission_content_type_id_2f476e4b_fk_django_co FOREIGN KEY (content_type_id) REFERENCES public.django_content_type(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: auth_user_groups auth_user_groups_group_id_97559544_fk_auth_group_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_user_groups
    ADD CONSTRAINT auth_user_groups_group_id_97559544_fk_auth_group_id FOREIGN KEY (group_id) REFERENCES public.auth_group(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: auth_user_groups auth_user_groups_user_id_6a12ed8b_fk_auth_user_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_user_groups
    ADD CONSTRAINT auth_user_groups_user_id_6a12ed8b_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: auth_user_user_permissions auth_user_user_permi_permission_id_1fbb5f2c_fk_auth_perm; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_user_user_permissions
    ADD CONSTRAINT auth_user_user_permi_permission_id_1fbb5f2c_fk_auth_perm FOREIGN KEY (permission_id) REFERENCES public.auth_permission(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: auth_user_user_permissions auth_user_user_permissions_user_id_a95ead1b_fk_auth_user_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_user_user_permissions
    ADD CONSTRAINT auth_user_user_permissions_user_id_a95ead1b_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: campaigns_campaign campaigns_campaign_created_by_id_11fada74_fk_auth_user_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_campaign
    ADD CONSTRAINT campaigns_campaign_created_by_id_11fada74_fk_auth_user_id FOREIGN KEY (created_by_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: campaigns_campaign campaigns_campaign_topic_id_91340806_fk_segmentation_topic_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_campaign
    ADD CONSTRAINT campaigns_campaign_topic_id_91340806_fk_segmentation_topic_id FOREIGN KEY (topic_id) REFERENCES public.segmentation_topic(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: campaigns_campaignresult campaigns_campaignre_campaign_id_a6820c95_fk_campaigns; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_campaignresult
    ADD CONSTRAINT campaigns_campaignre_campaign_id_a6820c95_fk_campaigns FOREIGN KEY (campaign_id) REFERENCES public.campaigns_campaign(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: campaigns_delivery campaigns_delivery_campaign_id_87e5668a_fk_campaigns; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_delivery
    ADD CONSTRAINT campaigns_delivery_campaign_id_87e5668a_fk_campaigns FOREIGN KEY (campaign_id) REFERENCES public.campaigns_campaign(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: campaigns_delivery campaigns_delivery_conversion_order_id_85f38702_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_delivery
    ADD CONSTRAINT campaigns_delivery_conversion_order_id_85f38702_fk_segmentat FOREIGN KEY (conversion_order_id) REFERENCES public.segmentation_order(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: campaigns_delivery campaigns_delivery_customer_id_347fbc96_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_delivery
    ADD CONSTRAINT campaigns_delivery_customer_id_347fbc96_fk_segmentat FOREIGN KEY (customer_id) REFERENCES public.segmentation_customer(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: campaigns_delivery campaigns_delivery_track_id_72551c2d_fk_campaigns_track_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_delivery
    ADD CONSTRAINT campaigns_delivery_track_id_72551c2d_fk_campaigns_track_id FOREIGN KEY (track_id) REFERENCES public.campaigns_track(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: campaigns_delivery campaigns_delivery_variant_id_f17945d7_fk_campaigns_variant_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_delivery
    ADD CONSTRAINT campaigns_delivery_variant_id_f17945d7_fk_campaigns_variant_id FOREIGN KEY (variant_id) REFERENCES public.campaigns_variant(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: campaigns_orderattribution campaigns_orderattri_delivery_id_956504b8_fk_campaigns; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_orderattribution
    ADD CONSTRAINT campaigns_orderattri_delivery_id_956504b8_fk_campaigns FOREIGN KEY (delivery_id) REFERENCES public.campaigns_delivery(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: campaigns_orderattribution campaigns_orderattri_order_id_e0475c39_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_orderattribution
    ADD CONSTRAINT campaigns_orderattri_order_id_e0475c39_fk_segmentat FOREIGN KEY (order_id) REFERENCES public.segmentation_order(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: campaigns_track campaigns_track_campaign_id_fc2229ac_fk_campaigns_campaign_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_track
    ADD CONSTRAINT campaigns_track_campaign_id_fc2229ac_fk_campaigns_campaign_id FOREIGN KEY (campaign_id) REFERENCES public.campaigns_campaign(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: campaigns_track campaigns_track_segment_id_e9ff4e02_fk_segmentation_segment_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_track
    ADD CONSTRAINT campaigns_track_segment_id_e9ff4e02_fk_segmentation_segment_id FOREIGN KEY (segment_id) REFERENCES public.segmentation_segment(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: campaigns_variant campaigns_variant_track_id_96a2524a_fk_campaigns_track_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_variant
    ADD CONSTRAINT campaigns_variant_track_id_96a2524a_fk_campaigns_track_id FOREIGN KEY (track_id) REFERENCES public.campaigns_track(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: campaigns_winnerdecision campaigns_winnerdeci_track_id_7cb93852_fk_campaigns; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_winnerdecision
    ADD CONSTRAINT campaigns_winnerdeci_track_id_7cb93852_fk_campaigns FOREIGN KEY (track_id) REFERENCES public.campaigns_track(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: campaigns_winnerdecision campaigns_winnerdeci_winner_id_8816b675_fk_campaigns; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns_winnerdecision
    ADD CONSTRAINT campaigns_winnerdeci_winner_id_8816b675_fk_campaigns FOREIGN KEY (winner_id) REFERENCES public.campaigns_variant(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: django_admin_log django_admin_log_content_type_id_c4bce8eb_fk_django_co; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.django_admin_log
    ADD CONSTRAINT django_admin_log_content_type_id_c4bce8eb_fk_django_co FOREIGN KEY (content_type_id) REFERENCES public.django_content_type(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: django_admin_log django_admin_log_user_id_c564eba6_fk_auth_user_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.django_admin_log
    ADD CONSTRAINT django_admin_log_user_id_c564eba6_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: feedback_answer feedback_answer_choice_id_37798731_fk_feedback_choice_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_answer
    ADD CONSTRAINT feedback_answer_choice_id_37798731_fk_feedback_choice_id FOREIGN KEY (choice_id) REFERENCES public.feedback_choice(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: feedback_answer feedback_answer_question_id_2ab680d7_fk_feedback_question_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_answer
    ADD CONSTRAINT feedback_answer_question_id_2ab680d7_fk_feedback_question_id FOREIGN KEY (question_id) REFERENCES public.feedback_question(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: feedback_answer feedback_answer_response_id_7a14ef5c_fk_feedback_response_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_answer
    ADD CONSTRAINT feedback_answer_response_id_7a14ef5c_fk_feedback_response_id FOREIGN KEY (response_id) REFERENCES public.feedback_response(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: feedback_choice feedback_choice_question_id_7b4b8eb0_fk_feedback_question_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_choice
    ADD CONSTRAINT feedback_choice_question_id_7b4b8eb0_fk_feedback_question_id FOREIGN KEY (question_id) REFERENCES public.feedback_question(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: feedback_question feedback_question_survey_id_690e28ee_fk_feedback_survey_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_question
    ADD CONSTRAINT feedback_question_survey_id_690e28ee_fk_feedback_survey_id FOREIGN KEY (survey_id) REFERENCES public.feedback_survey(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: feedback_response feedback_response_customer_id_f2c715b7_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_response
    ADD CONSTRAINT feedback_response_customer_id_f2c715b7_fk_segmentat FOREIGN KEY (customer_id) REFERENCES public.segmentation_customer(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: feedback_response feedback_response_delivery_id_72d66df3_fk_campaigns_delivery_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_response
    ADD CONSTRAINT feedback_response_delivery_id_72d66df3_fk_campaigns_delivery_id FOREIGN KEY (delivery_id) REFERENCES public.campaigns_delivery(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: feedback_response feedback_response_survey_id_822a3c11_fk_feedback_survey_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_response
    ADD CONSTRAINT feedback_response_survey_id_822a3c11_fk_feedback_survey_id FOREIGN KEY (survey_id) REFERENCES public.feedback_survey(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: feedback_response feedback_response_track_id_eb5523d0_fk_campaigns_track_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_response
    ADD CONSTRAINT feedback_response_track_id_eb5523d0_fk_campaigns_track_id FOREIGN KEY (track_id) REFERENCES public.campaigns_track(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: feedback_response feedback_response_variant_id_5b58a254_fk_campaigns_variant_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_response
    ADD CONSTRAINT feedback_response_variant_id_5b58a254_fk_campaigns_variant_id FOREIGN KEY (variant_id) REFERENCES public.campaigns_variant(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: feedback_survey feedback_survey_created_by_id_e74ccb07_fk_auth_user_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_survey
    ADD CONSTRAINT feedback_survey_created_by_id_e74ccb07_fk_auth_user_id FOREIGN KEY (created_by_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: feedback_tracksurvey feedback_tracksurvey_survey_id_54c1a19a_fk_feedback_survey_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_tracksurvey
    ADD CONSTRAINT feedback_tracksurvey_survey_id_54c1a19a_fk_feedback_survey_id FOREIGN KEY (survey_id) REFERENCES public.feedback_survey(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: feedback_tracksurvey feedback_tracksurvey_track_id_b3e187e5_fk_campaigns_track_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feedback_tracksurvey
    ADD CONSTRAINT feedback_tracksurvey_track_id_b3e187e5_fk_campaigns_track_id FOREIGN KEY (track_id) REFERENCES public.campaigns_track(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: segmentation_apikey segmentation_apikey_created_by_id_d28c605b_fk_auth_user_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_apikey
    ADD CONSTRAINT segmentation_apikey_created_by_id_d28c605b_fk_auth_user_id FOREIGN KEY (created_by_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: segmentation_cart segmentation_cart_customer_id_c89cca88_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_cart
    ADD CONSTRAINT segmentation_cart_customer_id_c89cca88_fk_segmentat FOREIGN KEY (customer_id) REFERENCES public.segmentation_customer(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: segmentation_cart segmentation_cart_integration_id_7326253d_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_cart
    ADD CONSTRAINT segmentation_cart_integration_id_7326253d_fk_segmentat FOREIGN KEY (integration_id) REFERENCES public.segmentation_apikey(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: segmentation_consentevent segmentation_consent_customer_id_3609fc55_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_consentevent
    ADD CONSTRAINT segmentation_consent_customer_id_3609fc55_fk_segmentat FOREIGN KEY (customer_id) REFERENCES public.segmentation_customer(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: segmentation_consentevent segmentation_consent_request_id_2de27ee7_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_consentevent
    ADD CONSTRAINT segmentation_consent_request_id_2de27ee7_fk_segmentat FOREIGN KEY (request_id) REFERENCES public.segmentation_consentevent(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: segmentation_consentevent segmentation_consent_topic_id_9b36b7e2_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_consentevent
    ADD CONSTRAINT segmentation_consent_topic_id_9b36b7e2_fk_segmentat FOREIGN KEY (topic_id) REFERENCES public.segmentation_topic(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: segmentation_consentevent segmentation_consent_wording_id_ea25648b_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_consentevent
    ADD CONSTRAINT segmentation_consent_wording_id_ea25648b_fk_segmentat FOREIGN KEY (wording_id) REFERENCES public.segmentation_consentwording(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: segmentation_customerinterest segmentation_custome_customer_id_1a5c07b3_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_customerinterest
    ADD CONSTRAINT segmentation_custome_customer_id_1a5c07b3_fk_segmentat FOREIGN KEY (customer_id) REFERENCES public.segmentation_customer(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: segmentation_customerinterest segmentation_custome_interest_id_0272171c_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_customerinterest
    ADD CONSTRAINT segmentation_custome_interest_id_0272171c_fk_segmentat FOREIGN KEY (interest_id) REFERENCES public.segmentation_interest(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: segmentation_event segmentation_event_customer_id_8af3bf63_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_event
    ADD CONSTRAINT segmentation_event_customer_id_8af3bf63_fk_segmentat FOREIGN KEY (customer_id) REFERENCES public.segmentation_customer(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: segmentation_event segmentation_event_integration_id_185bcb89_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_event
    ADD CONSTRAINT segmentation_event_integration_id_185bcb89_fk_segmentat FOREIGN KEY (integration_id) REFERENCES public.segmentation_apikey(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: segmentation_importjob segmentation_importjob_created_by_id_f9d1612c_fk_auth_user_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_importjob
    ADD CONSTRAINT segmentation_importjob_created_by_id_f9d1612c_fk_auth_user_id FOREIGN KEY (created_by_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: segmentation_order segmentation_order_customer_id_d2febc4a_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_order
    ADD CONSTRAINT segmentation_order_customer_id_d2febc4a_fk_segmentat FOREIGN KEY (customer_id) REFERENCES public.segmentation_customer(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: segmentation_orderhistory segmentation_orderhistory_customer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_orderhistory
    ADD CONSTRAINT segmentation_orderhistory_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.segmentation_customer(id) ON DELETE CASCADE;


--
-- Name: segmentation_segment segmentation_segment_created_by_id_c3513dc7_fk_auth_user_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_segment
    ADD CONSTRAINT segmentation_segment_created_by_id_c3513dc7_fk_auth_user_id FOREIGN KEY (created_by_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: segmentation_topicconsent segmentation_topicco_customer_id_7e352ebb_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_topicconsent
    ADD CONSTRAINT segmentation_topicco_customer_id_7e352ebb_fk_segmentat FOREIGN KEY (customer_id) REFERENCES public.segmentation_customer(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: segmentation_topicconsent segmentation_topicco_topic_id_f539fa01_fk_segmentat; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segmentation_topicconsent
    ADD CONSTRAINT segmentation_topicco_topic_id_f539fa01_fk_segmentat FOREIGN KEY (topic_id) REFERENCES public.segmentation_topic(id) DEFERRABLE INITIALLY DEFERRED;


--
-- PostgreSQL database dump complete
--


