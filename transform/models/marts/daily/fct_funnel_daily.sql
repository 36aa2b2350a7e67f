{{ config(unique_key='session_date', partition_by=['session_date']) }}

-- Human sessions per UTC day reaching each funnel step, and the step-to-step conversion.
with funnel as (
    select * from {{ ref('int_session_funnel_steps') }}
    where not is_bot and {{ ecomlake.lookback_filter('session_date', 'session_date') }}
),

counts as (
    select
        session_date,
        count(*) as sessions,
        {{ ecomlake.count_where("reached_product_view") }} as product_view_sessions,
        {{ ecomlake.count_where("reached_cart") }} as cart_sessions,
        {{ ecomlake.count_where("reached_checkout") }} as checkout_sessions,
        {{ ecomlake.count_where("reached_purchase") }} as purchase_sessions
    from funnel
    group by session_date
),

final as (
    select
        session_date,
        sessions,
        product_view_sessions,
        cart_sessions,
        checkout_sessions,
        purchase_sessions,
        {{ ecomlake.ratio('product_view_sessions', 'sessions') }} as session_to_view_rate,
        {{ ecomlake.ratio('cart_sessions', 'product_view_sessions') }} as view_to_cart_rate,
        {{ ecomlake.ratio('checkout_sessions', 'cart_sessions') }} as cart_to_checkout_rate,
        {{ ecomlake.ratio('purchase_sessions', 'checkout_sessions') }}
            as checkout_to_purchase_rate,
        {{ ecomlake.ratio('purchase_sessions', 'sessions') }} as session_conversion_rate
    from counts
)

select * from final
