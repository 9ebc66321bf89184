{# A name as compared with the golden name (一数一源 name conflicts): formatting is not a
   difference. Whitespace anywhere (space, tab, no-break and ideographic space, BOM) is
   dropped, full-width ASCII (ＡＢＣ１２３（）) becomes half-width, and the dots between the
   parts of a transliterated name (. ． • ・ ‧) become the middle dot ·. Full-width ' and \
   are left as they are (no name was seen with them; they need escaping per engine). #}
{% macro name_key(expr) -%}
    {{ return(adapter.dispatch('name_key', 'govlake')(expr)) }}
{%- endmacro %}

{% macro _name_key_from() %}{{ return('！＂＃＄％＆（）＊＋，－／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～．.•・‧') }}{% endmacro %}
{% macro _name_key_to() %}{{ return('!"#$%&()*+,-/0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~·····') }}{% endmacro %}

{% macro default__name_key(expr) -%}
    regexp_replace(
        translate({{ expr }}, '{{ govlake._name_key_from() }}', '{{ govlake._name_key_to() }}'),
        '[\s\x{0b}\x{a0}\x{3000}\x{feff}]', '', 'g'
    )
{%- endmacro %}

{# untested here (no Spark in this environment) #}
{% macro spark__name_key(expr) -%}
    regexp_replace(
        translate({{ expr }}, '{{ govlake._name_key_from() }}', '{{ govlake._name_key_to() }}'),
        '[\\s\\u000b\\u00a0\\u3000\\ufeff]', ''
    )
{%- endmacro %}
