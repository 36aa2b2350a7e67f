with source as (
    select * from {{ source('curated', 'order_items') }}
),

renamed as (
    select
        order_id,
        line_number,
        order_date,
        person_id,
        product_id,
        quantity,
        cast(unit_price as decimal(14, 2)) as unit_price,
        currency,
        cast(line_total as decimal(14, 2)) as line_total,
        {{ money('line_total_base') }} as line_total_usd
    from source
)

select * from renamed
