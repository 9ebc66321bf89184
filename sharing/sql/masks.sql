-- The masks of docs/masking.md#masks as the gateway and the exports apply them, chosen by a
-- 信息项's sensitivity in the published directory (sharing/masking.py builds the expressions).
-- __COUNTIES__ is replaced by a regular expression of the city's county-level names (longest
-- first), so an address keeps the text up to its county. Each mask keeps NULL as NULL.

-- 敏感个人信息: an ID number keeps 6 + 4, a mobile 3 + 4, an address its county; anything else
-- (a person's amounts, a cause of death, a date) is masked whole
CREATE OR REPLACE MACRO sh_mask_sensitive(v) AS CASE
    WHEN v IS NULL THEN NULL
    WHEN regexp_full_match(v, '[0-9]{15}|[0-9]{17}[0-9Xx]')
        THEN left(v, 6) || repeat('*', length(v) - 10) || right(v, 4)
    WHEN regexp_full_match(v, '1[3-9][0-9]{9}') THEN left(v, 3) || '****' || right(v, 4)
    WHEN regexp_matches(v, '__COUNTIES__')
        THEN regexp_extract(v, '^(.*?(?:__COUNTIES__))', 1) || '***'
    ELSE '***'
END;

-- 个人信息: the first character, the rest starred (张三 → 张*; one character → *)
CREATE OR REPLACE MACRO sh_mask_personal(v) AS CASE
    WHEN v IS NULL THEN NULL
    WHEN length(v) > 1 THEN left(v, 1) || repeat('*', length(v) - 1)
    ELSE '*'
END;

-- 非个人信息 text: an ID number or a mobile where none belongs (a shifted delivery, a note) is
-- masked by its shape; only values holding a run of 11 digits reach the Python function
CREATE OR REPLACE MACRO sh_mask_shapes(v) AS CASE
    WHEN regexp_matches(v, '[0-9０-９]{11}') THEN sh_mask_text(v)
    ELSE v
END;
