{# dbt's hook for the `where` of data tests, overridden so a build tests what it wrote.

   In a `dbt build`, a test of a model that stamps the rows it writes with `_staged_at` =
   the run's start (meta `tests_on_rows_written_this_run`: staging, the incremental base
   and theme models) reads only the rows this run wrote: the stored rows were tested by
   the run that wrote them, and an incremental model's keys are unique across runs by
   its delete+insert. A full refresh writes every row, so it tests them all; `dbt test`
   on its own tests with the configured `where` alone. #}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- if flags.WHICH == 'build' and tested and tested.config.meta.get('tests_on_rows_written_this_run') -%}
        {%- do conditions.append('_staged_at = ' ~ govlake.run_timestamp()) -%}
    {%- endif -%}
    {%- if conditions -%}
        {#- the alias: Spark reads `where (` right after a table name as an alias with column names -#}
        {%- do return('(select * from ' ~ relation ~ ' as dbt_tested where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
