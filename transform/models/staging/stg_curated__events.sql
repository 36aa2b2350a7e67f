with source as (
    select * from {{ source('curated', 'events') }}
),

renamed as (
    select
        event_id,
        event_type,
        event_time as event_at,
        event_date,
        person_id,
        session_id,
        product_id,
        category,
        cast(price as decimal(14, 2)) as price,
        currency,
        quantity,
        order_id,
        {{ money('value_base') }} as value_usd,
        country_code,
        device_type,
        traffic_source,
        is_bot,
        ingest_time as ingested_at
    from source
)

select * from renamed
