{# stg_rejected is incremental like the staging models (delete+insert, reading only raw
   files not read before), but it holds only the rows that fail: a batch without a
   rejected row leaves no trace in it, so it cannot say by itself which batches it has
   read. Its ledger does: one row per (source_id, _batch) with the _ingested_at read,
   in the table staging._stg_rejected_loaded beside it.

   How one build goes (models/staging/stg_rejected.sql):
     - per source, the raw files whose (_batch, _ingested_at) the ledger lacks are read
       (a full refresh reads all of raw and the pre-hook drops the ledger);
     - besides the rejected rows, the model selects one mark per (source_id, _batch, _ingested_at)
       read: a row with reason NULL. The marks give delete+insert on (source_id, _batch)
       a key for every batch read, so a re-delivered batch loses its old rows even when
       nothing in it is rejected any more;
     - the post-hooks, in the model's transaction, move the marks into the ledger.
   A full refresh and any sequence of incremental builds give the same rows. #}

{% macro rejected_ledger() -%}
    {{- return(api.Relation.create(database=this.database, schema=this.schema, identifier='_stg_rejected_loaded')) -}}
{%- endmacro %}

{% macro rejected_ledger_exists() -%}
    {%- if not execute -%}{{ return(false) }}{%- endif -%}
    {%- set ledger = govlake.rejected_ledger() -%}
    {%- set result = run_query("select count(*) from information_schema.tables where table_catalog = '"
        ~ ledger.database ~ "' and table_schema = '" ~ ledger.schema ~ "' and table_name = '" ~ ledger.identifier ~ "'") -%}
    {{- return(result.columns[0].values()[0] > 0) -}}
{%- endmacro %}

{# The raw rows of a source stg_rejected has not read: all of raw on a full refresh,
   else the files whose (_batch, _ingested_at) the ledger lacks (DuckDB lists them
   before the query is written, as raw_source does for the staging models, and gives
   '' when there are none, so the model leaves the source out of its query; other
   engines read the whole source and filter its rows). #}
{% macro unread_raw_rows(source_id, ledger_exists) -%}
    {%- if not is_incremental() -%}
    {{ govlake.raw_source(source_id) }}
    {%- else -%}
    {%- set facts = govlake.registry_facts()[source_id] -%}
    {%- set relation = adapter.dispatch('unread_raw_relation', 'govlake')(facts, ledger_exists) -%}
    {%- if relation | trim -%}
    (select * from {{ relation }} as raw
     {%- if ledger_exists %}
     where not exists (
        select 1 from {{ govlake.rejected_ledger() }} as loaded
        where loaded.source_id = '{{ source_id }}'
          and loaded._batch = raw._batch and loaded._ingested_at = raw._ingested_at)
     {%- endif -%}
    )
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro default__unread_raw_relation(facts, ledger_exists) -%}
    {{ source(facts.department, facts.entity) }}
{%- endmacro %}

{# '' when nothing is unread: no raw files yet, or every file read #}
{% macro duckdb__unread_raw_relation(facts, ledger_exists) -%}
    {%- if not execute -%}
    {{ source(facts.department, facts.entity) }}
    {%- elif govlake.raw_files_exist(facts.raw_glob) -%}
    {%- set files = govlake.unread_raw_files(facts, ledger_exists) -%}
    {%- if files %}{{ govlake.raw_files_relation(facts, files) }}{% endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro unread_raw_files(facts, ledger_exists) -%}
    {%- set path = (env_var('GOVLAKE_HOME', '../lake') ~ '/' ~ facts.raw_glob) | replace("'", "''") -%}
    {%- set source_id = facts.department ~ '.' ~ facts.entity -%}
    {%- set query -%}
        select distinct filename
        from read_parquet('{{ path }}', filename = true, hive_partitioning = false) as raw
        {%- if ledger_exists %}
        where not exists (
            select 1 from {{ govlake.rejected_ledger() }} as loaded
            where loaded.source_id = '{{ source_id }}'
              and loaded._batch = raw._batch and loaded._ingested_at = raw._ingested_at)
        {%- endif %}
        order by filename
    {%- endset -%}
    {{- return(run_query(query).columns[0].values() | list) -}}
{%- endmacro %}

{# pre-hook: a full refresh starts the ledger again #}
{% macro rejected_ledger_reset() -%}
    {%- if not is_incremental() and govlake.builds_incrementally() -%}
    drop table if exists {{ govlake.rejected_ledger() }}
    {%- endif -%}
{%- endmacro %}

{# Whether builds on this engine are incremental. Spark's always rebuild in full
   (docs/spark.md): stg_rejected then needs neither marks nor a ledger. #}
{% macro builds_incrementally() -%}
    {{ return(adapter.dispatch('builds_incrementally', 'govlake')()) }}
{%- endmacro %}

{% macro default__builds_incrementally() -%}
    {{ return(true) }}
{%- endmacro %}

{% macro spark__builds_incrementally() -%}
    {{ return(false) }}
{%- endmacro %}

{# post-hook: the marks of this build replace their batches' ledger rows, then leave the
   model (statements run as one hook, in the model's transaction) #}
{% macro rejected_ledger_update() -%}
    {%- if govlake.builds_incrementally() -%}
    {%- set ledger = govlake.rejected_ledger() -%}
    create table if not exists {{ ledger }} (source_id string, _batch string, _ingested_at {{ govlake.type_timestamp_tz() }});
    delete from {{ ledger }} as l
    where exists (select 1 from {{ this }} as m
                  where m.reason is null and m.source_id = l.source_id and m._batch = l._batch);
    insert into {{ ledger }} select distinct source_id, _batch, _ingested_at from {{ this }} where reason is null;
    delete from {{ this }} where reason is null
    {%- endif -%}
{%- endmacro %}
