-- 电子证照基础库·证照 — one row per electronic licence (licence_id, GB/T 36904) in the 大数据局
-- catalogue: the latest delivery wins whole (the issuing department is the authority for
-- its licence; the catalogue carries its word). The type code is named, the holder's code
-- is resolved to a golden person (ID number) or enterprise (USCC), and a holder that
-- resolves to neither is flagged and tried again on every run.

{{ config(
    materialized='incremental',
    unique_key='licence_id',
) }}

{%- set delivered = ['licence_id', 'licence_type', 'holder_name', 'holder_code', 'holder_code_flag',
                     'issuer_name', 'issuer_uscc', 'issued_on', 'valid_until', 'status',
                     '_batch', '_file', '_row_no', '_ingested_at', '_staged_at'] %}

with

-- the latest delivery of a licence wins; stored licences whose holder was not known yet
-- are read back on every run, so a holder that reaches the population or legal-entity
-- library later is resolved then
{{ latest_delivery(ref('stg_dsj__e_licence'), 'licence_id', delivered,
    reread="not holder_resolved") }},

-- the registry's code list of dsj.e_licence.licence_type (govlake/registry/departments/dsj.yaml)
licence_types as (

    select code, name
    from (values
        ('11100000000013338W001', '营业执照'),
        ('11100000000013127D003', '结婚证'),
        ('11100000000013338W023', '食品经营许可证'),
        ('11100000000012345X005', '出生医学证明'),
        ('11100000000013338W008', '药品经营许可证')
    ) as codes (code, name)  -- noqa: AL05

),

named as (

    select latest.*, licence_types.name as licence_type_name
    from latest
    left join licence_types on licence_types.code = latest.licence_type

),

resolved as (

    {{ resolve_party('named', 'holder') }}

)

select
    -- ids
    licence_id,
    holder_code,
    holder_code_flag,
    holder_person_id,
    holder_uscc,
    {{ party_resolution('holder') }},
    issuer_uscc,

    -- strings
    holder_name,
    issuer_name,

    -- codes
    licence_type,
    licence_type_name,
    -- the type code the identifier itself carries ('1.2.156.3005.2.' + 21 characters): a
    -- licence_id passed its check character, so this one is what the issuer wrote
    substr(licence_id, 16, 21) as licence_type_in_id,
    status,

    -- dates
    issued_on,
    valid_until,

    -- lineage
    first_seen_batch,
    _batch,
    _file,
    _row_no,
    _ingested_at,
    _staged_at
from resolved
