with source as (
    select * from {{ source('curated', 'sessions') }}
),

renamed as (
    select
        session_id,
        session_date,
        person_id,
        session_start as started_at,
        session_end as ended_at,
        duration_s as duration_seconds,
        events as event_count,
        page_views,
        landing_page,
        device_type,
        country_code,
        traffic_source,
        converted as is_converted,
        orders as order_count,
        {{ money('revenue_base') }} as revenue_usd,
        is_bot
    from source
)

select * from renamed
