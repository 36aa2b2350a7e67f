-- One row per session with the funnel steps it reached. The funnel is closed: a session counts
-- at a step only when it also reached every step before it (view -> cart -> checkout -> purchase).
with sessions as (
    select * from {{ ref('stg_curated__sessions') }}
),

events as (
    select * from {{ ref('stg_curated__events') }}
    where session_id is not null
),

steps as (
    select
        session_id,
        max(case when event_type = 'product_view' then 1 else 0 end) as has_product_view,
        max(case when event_type = 'add_to_cart' then 1 else 0 end) as has_add_to_cart,
        max(case when event_type = 'checkout_started' then 1 else 0 end) as has_checkout,
        max(case when event_type = 'purchase' then 1 else 0 end) as has_purchase
    from events
    group by session_id
),

reached as (
    select
        sessions.session_id,
        sessions.session_date,
        sessions.person_id,
        sessions.is_bot,
        coalesce(steps.has_product_view, 0) = 1 as reached_product_view,
        coalesce(steps.has_product_view * steps.has_add_to_cart, 0) = 1 as reached_cart,
        coalesce(steps.has_product_view * steps.has_add_to_cart * steps.has_checkout, 0) = 1
            as reached_checkout,
        coalesce(
            steps.has_product_view * steps.has_add_to_cart * steps.has_checkout
            * steps.has_purchase,
            0
        ) = 1 as reached_purchase
    from sessions
    left join steps on sessions.session_id = steps.session_id
)

select * from reached
