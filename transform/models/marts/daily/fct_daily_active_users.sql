{{ config(unique_key='activity_date', partition_by=['activity_date']) }}

-- DAU, and WAU / MAU over the 7 and 30 days ending on each day. People are stitched as in the
-- curated layer; bots are excluded. An incremental run reads 29 more days so windows are whole.
with activity as (
    select * from {{ ref('int_person_activity_days') }}
    {% if is_incremental() %}
    where activity_date >= (
        select {{ ecomlake.day_offset('max(activity_date)', -(var('lookback_days') + 29)) }}
        from {{ this }}
    )
    {% endif %}
),

days as (
    select distinct activity_date
    from activity
    where {{ ecomlake.lookback_filter('activity_date', 'activity_date') }}
),

final as (
    select
        days.activity_date,
        count(distinct case
            when activity.activity_date = days.activity_date then activity.person_id
        end) as dau,
        count(distinct case
            when activity.activity_date >= {{ ecomlake.day_offset('days.activity_date', -6) }}
                then activity.person_id
        end) as wau,
        count(distinct activity.person_id) as mau
    from days
    inner join activity
        on activity.activity_date <= days.activity_date
        and activity.activity_date >= {{ ecomlake.day_offset('days.activity_date', -29) }}
    group by days.activity_date
)

select * from final
