{# Fails with one row per combination of `columns` that occurs more than once.
   Staging uses it for (_batch, key...): a full snapshot repeats every key in each
   batch, so a key is unique only within its batch. (dbt_utils has the same test;
   hub packages cannot be installed here.) #}
{% test unique_combination(model, columns) %}
select
    {{ columns | join(', ') }},
    count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
