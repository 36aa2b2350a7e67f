with source as (
    select * from {{ source('curated', 'currency_rates') }}
),

renamed as (
    select
        currency,
        cast(rate_to_usd as decimal(12, 6)) as rate_to_usd,
        minor_digits
    from source
)

select * from renamed
