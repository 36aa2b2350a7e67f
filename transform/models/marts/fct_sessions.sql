{{ config(
    materialized='incremental',
    incremental_strategy=(
        'insert_overwrite' if target.type in ('spark', 'databricks') else 'delete+insert'
    ),
    unique_key='session_date',
    partition_by=['session_date'],
    on_schema_change='fail',
) }}

-- Incremental by day: a run rebuilds the sessions of the last `lookback_days` before the
-- newest day already built (late events re-sessionize those days); older days stay.
with sessions as (
    select * from {{ ref('stg_curated__sessions') }}
    where {{ ecomlake.lookback_filter('session_date', 'session_date') }}
),

funnel as (
    select * from {{ ref('int_session_funnel_steps') }}
),

final as (
    select
        sessions.session_id,
        sessions.session_date,
        sessions.person_id,
        sessions.started_at,
        sessions.ended_at,
        sessions.duration_seconds,
        sessions.event_count,
        sessions.page_views,
        sessions.landing_page,
        sessions.device_type,
        sessions.country_code,
        sessions.traffic_source,
        funnel.reached_product_view,
        funnel.reached_cart,
        funnel.reached_checkout,
        funnel.reached_purchase,
        sessions.order_count,
        sessions.revenue_usd,
        sessions.is_bot
    from sessions
    inner join funnel on sessions.session_id = funnel.session_id
)

select * from final
