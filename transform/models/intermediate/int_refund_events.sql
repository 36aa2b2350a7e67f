-- Refunds as their own events: money leaves on the UTC day of the refund, not of the order.
with events as (
    select * from {{ ref('stg_curated__events') }}
    where event_type = 'refund'
),

refunds as (
    select
        event_id as refund_id,
        order_id,
        person_id,
        event_date as refund_date,
        event_at as refunded_at,
        value_usd as refund_usd
    from events
)

select * from refunds
