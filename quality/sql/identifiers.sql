-- Identifier and format checks of STANDARDS.md as DuckDB macros (temporary: created on
-- the connection of each quality run, never stored in the warehouse).
--
-- The staging models already flag bad check digits (dbt macros, portable SQL); the quality
-- layer needs the algorithms itself where a rule asks "is this a valid <kind>" of a value
-- the staging flag does not answer - the {by, cases} form of a check (a subject_code must
-- be an ID number for 自然人 and a USCC otherwise) - and for formats staging leaves to
-- quality (mobile, ICD-10, GB/T 4754 industry). Weighted sums are written out term by term
-- (rendered by Jinja): set-based and branch-free, far faster than list lambdas per row.
-- tests/unit/test_quality_sql_identifiers.py checks every macro against python-stdnum and
-- the STANDARDS.md vectors.

-- value of the character at 1-based `pos` of `s` in `alphabet` (0 for its first
-- character, -1 when absent)
CREATE OR REPLACE TEMP MACRO q_char_value(s, pos, alphabet) AS instr(alphabet, substr(s, pos, 1)) - 1;

-- YYYYMMDD text naming a real calendar day
CREATE OR REPLACE TEMP MACRO q_is_yyyymmdd(s) AS
    regexp_full_match(s, '[0-9]{8}')
    AND try_cast(substr(s, 1, 4) || '-' || substr(s, 5, 2) || '-' || substr(s, 7, 2) AS DATE) IS NOT NULL;

-- 公民身份号码 GB 11643-1999: check character of the first 17 digits
CREATE OR REPLACE TEMP MACRO q_id_card_check(s) AS substr('10X98765432', 1 + ((
    {%- for w in [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] %}
    {{ '+ ' if not loop.first }}{{ w }} * q_char_value(s, {{ loop.index }}, '0123456789')
    {%- endfor %}
) % 11), 1);

-- an 18-character number (upper-case X), a real embedded birth date, the right check
CREATE OR REPLACE TEMP MACRO q_id_card_valid(s) AS coalesce(
    regexp_full_match(s, '[0-9]{17}[0-9X]')
    AND q_is_yyyymmdd(substr(s, 7, 8))
    AND substr(s, 18, 1) = q_id_card_check(s), false);

-- what the (18-digit) number itself says: birth date (digits 7-14), gender by the parity
-- of digit 17 ('1' 男 odd, '2' 女 even)
CREATE OR REPLACE TEMP MACRO q_id_card_birth_date(s) AS
    try_cast(substr(s, 7, 4) || '-' || substr(s, 11, 2) || '-' || substr(s, 13, 2) AS DATE);
CREATE OR REPLACE TEMP MACRO q_id_card_gender(s) AS
    CASE WHEN try_cast(substr(s, 17, 1) AS INTEGER) % 2 = 1 THEN '1' ELSE '2' END;

-- 组织机构代码 GB 11714: check of the 8 body characters at `start` (digits as themselves,
-- A-Z as 10-35; 11 - S mod 11, 10 -> X, 11 -> 0)
CREATE OR REPLACE TEMP MACRO q_org_code_check(s, start) AS substr('123456789X0', 11 - ((
    {%- for w in [3, 7, 9, 10, 5, 8, 4, 2] %}
    {{ '+ ' if not loop.first }}{{ w }} * q_char_value(s, start + {{ loop.index0 }}, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ')
    {%- endfor %}
) % 11), 1);

-- 统一社会信用代码 GB 32100-2015: check character of the first 17 characters
CREATE OR REPLACE TEMP MACRO q_uscc_check(s) AS substr('0123456789ABCDEFGHJKLMNPQRTUWXY', 1 + ((31 - ((
    {%- for w in [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] %}
    {{ '+ ' if not loop.first }}{{ w }} * q_char_value(s, {{ loop.index }}, '0123456789ABCDEFGHJKLMNPQRTUWXY')
    {%- endfor %}
) % 31)) % 31), 1);

CREATE OR REPLACE TEMP MACRO q_uscc_valid(s) AS coalesce(
    regexp_full_match(s, '[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}')
    AND substr(s, 17, 1) = q_org_code_check(s, 9)
    AND substr(s, 18, 1) = q_uscc_check(s), false);

-- ISO/IEC 7064 MOD 37,36 check character of `payload` (hybrid system, alphabet 0-9A-Z):
-- c = 36; for each character: c = ((c + v) mod 36 or 36) * 2 mod 37; check = (37 - c) mod 36.
-- DuckDB folds the recurrence with list_reduce over the payload's character values.
CREATE OR REPLACE TEMP MACRO q_mod_37_36_check(payload) AS substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1 + ((37 - list_reduce(
    list_transform(range(1, length(payload) + 1), lambda i: q_char_value(payload, i, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ')),
    lambda c, v: (((c + v) % 36 + 35) % 36 + 1) * 2 % 37,
    36)) % 36), 1);

-- 电子证照标识 GB/T 36904: 1.2.156.3005.2.<type 21>.<issuer USCC 18>.<serial 7>.<version 3>.<check>,
-- the check over type + issuer + serial + version without the dots
CREATE OR REPLACE TEMP MACRO q_licence_id_valid(s) AS coalesce(
    regexp_full_match(s, '1[.]2[.]156[.]3005[.]2[.][0-9A-Z]{21}[.][0-9A-Z]{18}[.][0-9]{7}[.][0-9]{3}[.][0-9A-Z]')
    AND substr(s, 69, 1) = q_mod_37_36_check(
        substr(s, 16, 21) || substr(s, 38, 18) || substr(s, 57, 7) || substr(s, 65, 3)), false);

-- 专利申请号: CN + 12 digits (year 4, type 1-3, sequence 7) + '.' + check
-- (sum of d_i * w_i mod 11, 10 written X)
CREATE OR REPLACE TEMP MACRO q_patent_no_check(s) AS substr('0123456789X', 1 + ((
    {%- for w in [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5] %}
    {{ '+ ' if not loop.first }}{{ w }} * q_char_value(s, {{ loop.index + 2 }}, '0123456789')
    {%- endfor %}
) % 11), 1);

CREATE OR REPLACE TEMP MACRO q_patent_no_valid(s) AS coalesce(
    regexp_full_match(s, 'CN[0-9]{4}[1-3][0-9]{7}[.][0-9X]')
    AND substr(s, 16, 1) = q_patent_no_check(s), false);

-- simple formats (STANDARDS.md): mobile, ICD-10, GB/T 4754-2017 industry code whose
-- division (digits 1-2) belongs to its section letter
CREATE OR REPLACE TEMP MACRO q_mobile_valid(s) AS coalesce(regexp_full_match(s, '1[3-9][0-9]{9}'), false);
CREATE OR REPLACE TEMP MACRO q_icd10_valid(s) AS coalesce(regexp_full_match(s, '[A-Z][0-9]{2}([.][0-9X]{1,2})?'), false);
CREATE OR REPLACE TEMP MACRO q_industry_valid(s) AS coalesce(
    regexp_full_match(s, '[A-T][0-9]{4}')
    AND try_cast(substr(s, 2, 2) AS INTEGER) BETWEEN
        CASE substr(s, 1, 1) {% for section, (lo, hi) in industry_sections.items() %}WHEN '{{ section }}' THEN {{ lo }} {% endfor %}END
        AND
        CASE substr(s, 1, 1) {% for section, (lo, hi) in industry_sections.items() %}WHEN '{{ section }}' THEN {{ hi }} {% endfor %}END,
    false);

-- validity by check name, for the {by, cases} form of a registry check
CREATE OR REPLACE TEMP MACRO q_valid_as(s, check_name) AS CASE check_name
    WHEN 'id_card' THEN q_id_card_valid(s)
    WHEN 'uscc' THEN q_uscc_valid(s)
    WHEN 'licence_id' THEN q_licence_id_valid(s)
    WHEN 'patent_no' THEN q_patent_no_valid(s)
    WHEN 'mobile' THEN q_mobile_valid(s)
    WHEN 'icd10' THEN q_icd10_valid(s)
    WHEN 'industry' THEN q_industry_valid(s)
END;
