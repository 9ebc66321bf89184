{# Columns holding "uscc or id_card" (licence holders, parcel owners, applicants,
   subjects of decisions). Which one a value is follows from the value: a valid ID
   number, else a valid USCC, else whichever its shape suggests (digits only -> ID
   number). An 18-digit USCC such as 113700000045046442 is not a valid ID number (no
   real birth date), so validity decides before shape does. #}

{% macro party_code(expr) -%}
    case
        when {{ govlake.id_card_flag(expr, blocking_only=true) }} is null then {{ govlake.id_card(expr) }}
        else upper({{ expr }})
    end
{%- endmacro %}

{% macro party_code_flag(expr, blocking_only=false) -%}
    case
        when {{ expr }} is null then null
        when {{ govlake.id_card_flag(expr, blocking_only=true) }} is null
            then {{ govlake.id_card_flag(expr, blocking_only) }}
        when {{ govlake.uscc_flag(expr, blocking_only=true) }} is null
            then {{ govlake.uscc_flag(expr, blocking_only) }}
        when {{ govlake.regex_full_match(expr, '[0-9]{15}|[0-9]{17}[0-9Xx]') }}
            then {{ govlake.id_card_flag(expr, blocking_only) }}
        else {{ govlake.uscc_flag(expr, blocking_only) }}
    end
{%- endmacro %}
