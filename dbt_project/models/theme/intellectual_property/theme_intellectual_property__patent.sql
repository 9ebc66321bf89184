-- 知识产权·专利 — one row per patent application (its latest record across 市场监管's
-- incremental deliveries): type, legal status, dates, whether granted and decided, and
-- the applicant resolved to an enterprise of the legal-entity library or a person of the
-- population library, with the applicant's county.

{{ config(materialized='table') }}

with latest as (

    select * from {{ ref('int_intellectual_property__patent_latest_delivery') }}

),

-- joined on uscc: the code 市场监管 registered
enterprises as (

    select uscc, name, region_code
    from {{ ref('base_legal_entity__enterprise') }}
    where uscc is not null

),

-- an applicant without a code that resolves is looked up by its exact name, when exactly
-- one registered enterprise bears it
enterprise_names as (

    select name, min(uscc) as uscc
    from enterprises
    group by name
    having count(*) = 1

),

persons as (

    select person_id, name, region_code
    from {{ ref('base_population__person') }}

),

resolved as (

    select
        l.*,
        -- a valid ID number is a person's code, else it is an organisation's (a USCC)
        l.applicant_code is not null and {{ govlake.id_card_flag('l.applicant_code', blocking_only=true) }} is null
            as code_is_id_card,
        e.uscc as code_uscc,
        p.person_id as code_person_id,
        n.uscc as name_uscc
    from latest as l
    left join enterprises as e on e.uscc = l.applicant_code
    left join persons as p on p.person_id = l.applicant_code
    left join enterprise_names as n on n.name = l.applicant_name

),

applicants as (

    select
        r.*,
        case
            when r.code_uscc is not null then r.code_uscc
            when r.code_person_id is null and not r.code_is_id_card then r.name_uscc
        end as applicant_uscc,
        r.code_person_id as applicant_person_id,
        case
            when r.code_uscc is not null or r.code_person_id is not null then 'code'
            when not r.code_is_id_card and r.name_uscc is not null then 'name'
        end as applicant_resolved_by
    from resolved as r

),

regions as (

    select code, name from {{ ref('gbt2260_regions') }}

)

select
    -- ids
    a.application_no,

    -- patent
    a.title,
    -- codes off the list say nothing: NULL, a finding of the quality layer
    case when a.patent_type in ('发明', '实用新型', '外观设计') then a.patent_type end as patent_type,
    case when a.legal_status in ('审中', '有效', '失效', '驳回') then a.legal_status end as legal_status,
    a.applied_on,
    a.granted_on,
    cast(extract(year from a.applied_on) as integer) as application_year,
    cast(extract(year from a.granted_on) as integer) as grant_year,

    -- outcome: granted = a grant date or 有效 (in force needs a grant); decided = granted,
    -- or ended without one (失效 before grant is a withdrawal, 驳回 a rejection); 审中 is
    -- pending. grant rate = granted / decided.
    coalesce(a.patent_type = '发明', false) as is_invention,
    coalesce(a.patent_type = '实用新型', false) as is_utility_model,
    coalesce(a.patent_type = '外观设计', false) as is_design,
    coalesce(a.granted_on is not null or a.legal_status = '有效', false) as is_granted,
    coalesce(a.granted_on is not null or a.legal_status in ('有效', '失效', '驳回'), false) as is_decided,
    coalesce(a.legal_status = '有效', false) as is_valid,

    -- applicant
    a.applicant_name,
    a.applicant_code,
    case
        when a.applicant_uscc is not null then 'enterprise'
        when a.applicant_person_id is not null or a.code_is_id_card then 'person'
        when a.applicant_code is not null then 'enterprise'
        else 'unknown'
    end as applicant_type,
    a.applicant_uscc,
    a.applicant_person_id,
    a.applicant_resolved_by,
    coalesce(e.name, p.name) as applicant_registered_name,
    coalesce(e.region_code, p.region_code) as region_code,
    r.name as region_name,

    -- lineage
    a._batch,
    a._file,
    a._row_no

from applicants as a
left join enterprises as e on e.uscc = a.applicant_uscc
left join persons as p on p.person_id = a.applicant_person_id
left join regions as r on r.code = coalesce(e.region_code, p.region_code)
