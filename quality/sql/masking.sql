-- Masking of observed values (docs/masking.md#masks) as DuckDB
-- macros, temporary like identifiers.sql. Violations keep an observed value so a steward
-- sees what was wrong; personal values are masked before they are written, in SQL, so no
-- unmasked copy is made. quality/masking.py decides which macro a column gets.

-- ID number: keep the first 6 and the last 4 (371602********123X); a value too short for
-- that is masked whole
CREATE OR REPLACE TEMP MACRO q_mask_id(s) AS CASE
    WHEN s IS NULL THEN NULL
    WHEN length(s) > 10 THEN substr(s, 1, 6) || repeat('*', length(s) - 10) || substr(s, length(s) - 3)
    ELSE repeat('*', length(s))
END;

-- a column holding a USCC or an ID number: only an ID number is personal
CREATE OR REPLACE TEMP MACRO q_mask_party(s) AS CASE
    WHEN regexp_full_match(s, '[0-9]{15}|[0-9]{17}[0-9Xx]') THEN q_mask_id(s)
    ELSE s
END;

-- a name keeps its first character (张*, 欧阳**)
CREATE OR REPLACE TEMP MACRO q_mask_name(s) AS CASE
    WHEN s IS NULL THEN NULL
    ELSE substr(s, 1, 1) || repeat('*', length(s) - 1)
END;

-- mobile: 3 + 4 (138****1234)
CREATE OR REPLACE TEMP MACRO q_mask_mobile(s) AS CASE
    WHEN s IS NULL THEN NULL
    WHEN length(s) >= 7 THEN substr(s, 1, 3) || repeat('*', length(s) - 7) || substr(s, length(s) - 3)
    ELSE repeat('*', length(s))
END;

-- an address keeps its county: the text up to and including the first county name of the
-- city (from the registry's GB/T 2260 table, current and retired), the rest starred
CREATE OR REPLACE TEMP MACRO q_mask_address(s) AS CASE
    WHEN s IS NULL THEN NULL
    WHEN regexp_matches(s, '{{ county_pattern }}')
        THEN regexp_extract(s, '^(.*?({{ county_pattern }}))', 1) || '***'
    ELSE '***'
END;

-- sensitive values with nothing to keep (a person's amounts, cause of death)
CREATE OR REPLACE TEMP MACRO q_mask_all(s) AS CASE WHEN s IS NULL THEN NULL ELSE '***' END;
