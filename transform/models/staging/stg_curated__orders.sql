with source as (
    select * from {{ source('curated', 'orders') }}
),

renamed as (
    select
        order_id,
        order_date,
        order_time as ordered_at,
        person_id,
        session_id,
        currency,
        cast(order_total as decimal(14, 2)) as order_total,
        {{ money('order_total_base') }} as order_total_usd,
        {{ money('refunded_base') }} as refunded_usd,
        refunds as refund_count,
        last_refund_time as last_refunded_at,
        payment_method,
        item_lines as item_line_count,
        country_code,
        is_bot
    from source
)

select * from renamed
