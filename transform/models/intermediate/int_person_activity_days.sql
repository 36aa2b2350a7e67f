-- The days each person was active: any event, bots excluded (the DAU definition).
with events as (
    select * from {{ ref('stg_curated__events') }}
    where not is_bot
),

activity as (
    select distinct
        person_id,
        event_date as activity_date
    from events
)

select * from activity
