"""B5, the status oracle: one hand-written SQL statement computing every grassroots unit's
indicator values for a year with plain aggregates, independent of the loader and the engine.

`oracle_values` returns {unit_id: {indicator key: value}} in the shape `verdict_values` gives
for verdicts (`json_values` for their JSON lines), so a differential test or the benchmark can
compare them exactly. Lineage (predecessors) is out of its reach: use it on data without
reorganisations during the year.
"""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from doan3cd.domain.evaluation import Verdict, verdict_to_dict
from doan3cd.domain.hierarchy import path_upper

COUNTED_KINDS = (
    "situation_report",
    "welfare_register_review",
    "rights_protection",
    "exemplary_model",
    "advisory_document",
    "dialogue",
    "inspection",
    "self_criticism",
)
HANDED = (
    "'handed_to_party','awareness_class','party_candidate','admitted_probationary','admitted_full'"
)


def _sql(dialect: str, within: bool) -> str:
    deadline = (
        "t.requested_on + 30" if dialect == "postgresql" else "date(t.requested_on, '+30 days')"
    )
    kinds = ",\n".join(
        f"    sum(CASE WHEN a.kind = '{k}' AND a.occurred_on BETWEEN :start AND :end "
        f"THEN 1 ELSE 0 END) AS {k}"
        for k in COUNTED_KINDS
    )
    in_force = "{v}.valid_from <= :end AND ({v}.valid_to IS NULL OR {v}.valid_to > :end)"
    subtree = " AND v.path >= :root_path AND v.path < :root_upper" if within else ""
    return f"""
WITH g AS (
  SELECT v.unit_id, v.path, substr(v.path, 1, length(v.path) - 1) || '0' AS upper
  FROM unit_version v
  WHERE v.kind = 'grassroots' AND {in_force.format(v="v")}{subtree}
),
h AS (
  SELECT g.unit_id AS g, v.unit_id AS holder, v.kind
  FROM g JOIN unit_version v ON v.path >= g.path AND v.path < g.upper
  WHERE {in_force.format(v="v")}
),
acts AS (
  SELECT h.g,
{kinds},
    sum(CASE WHEN a.kind = 'youth_project' AND a.completed_on BETWEEN :start AND :end
        THEN 1 ELSE 0 END) AS youth_project,
    sum(CASE WHEN a.kind = 'resource_mobilisation' AND a.occurred_on BETWEEN :start AND :end
        AND a.value_vnd > 0 THEN 1 ELSE 0 END) AS resource_mobilisation
  FROM h JOIN activity a ON a.unit_id = h.holder
  WHERE a.verification <> 'rejected'
  GROUP BY h.g
),
meetings AS (
  SELECT h.g, h.holder, count(a.id) AS n
  FROM h LEFT JOIN activity a ON a.unit_id = h.holder AND a.kind = 'branch_meeting'
    AND a.verification <> 'rejected' AND a.occurred_on BETWEEN :start AND :end
  WHERE h.kind = 'branch'
  GROUP BY h.g, h.holder
),
branches AS (
  SELECT g, count(*) AS active, sum(CASE WHEN n >= 10 THEN 1 ELSE 0 END) AS regular
  FROM meetings GROUP BY g
),
mem AS (
  SELECT h.g, count(*) AS active,
    sum(CASE WHEN m.member_code IS NOT NULL AND m.joined_on IS NOT NULL THEN 1 ELSE 0 END)
      AS complete
  FROM h
  JOIN membership_period p ON p.branch_id = h.holder AND {in_force.format(v="p")}
  JOIN member m ON m.id = p.member_id
  WHERE coalesce((SELECT s.status FROM member_status_change s
                  WHERE s.member_id = m.id AND s.effective_on <= :end
                  ORDER BY s.effective_on DESC, s.recorded_at DESC LIMIT 1), m.status) = 'active'
  GROUP BY h.g
),
adm AS (
  SELECT h.g, count(*) AS n
  FROM h
  JOIN membership_period p ON p.branch_id = h.holder AND {in_force.format(v="p")}
  JOIN member m ON m.id = p.member_id AND m.joined_on BETWEEN :start AND :end
  GROUP BY h.g
),
wel AS (
  SELECT h.g, count(*) AS open,
    sum(CASE WHEN EXISTS (SELECT 1 FROM support_action s WHERE s.case_id = c.id
                          AND s.acted_on BETWEEN :start AND :end) THEN 1 ELSE 0 END) AS supported
  FROM h JOIN welfare_case c ON c.unit_id = h.holder
  WHERE c.identified_on <= :end AND (c.closed_on IS NULL OR c.closed_on >= :start)
  GROUP BY h.g
),
tra AS (
  SELECT g,
    sum(CASE WHEN done IS NOT NULL AND done <= deadline THEN 1 ELSE 0 END) AS on_time,
    sum(CASE WHEN done IS NOT NULL AND done <= deadline THEN 0
             WHEN done IS NULL AND deadline > :end THEN 0 ELSE 1 END) AS late
  FROM (
    SELECT h.g, {deadline} AS deadline,
      CASE WHEN t.state IN ('received', 'rejected') THEN t.completed_on END AS done
    FROM h JOIN transfer t ON t.from_branch_id = h.holder
    WHERE t.requested_on BETWEEN :start AND :end
  ) AS requested
  GROUP BY g
),
handed AS (
  SELECT r.id, r.unit_id FROM party_referral r
  JOIN referral_transition t ON t.referral_id = r.id
  WHERE t.to_stage IN ({HANDED})
  GROUP BY r.id, r.unit_id
  HAVING min(t.effective_on) BETWEEN :start AND :end
),
ref AS (SELECT h.g, count(*) AS n FROM h JOIN handed ON handed.unit_id = h.holder GROUP BY h.g),
plans AS (
  SELECT p.unit_id AS g,
    max(CASE WHEN p.kind = 'annual_programme' AND p.adopted_on <= :jan31 THEN 1 ELSE 0 END)
      AS annual,
    max(CASE WHEN p.kind = 'action_programme' AND p.adopted_on <= :end THEN 1 ELSE 0 END)
      AS action
  FROM plan p WHERE p.year = :year GROUP BY p.unit_id
),
score AS (
  SELECT unit_id AS g, coalesce(review_score, self_score) AS v FROM criterion_score
  WHERE year = :year AND indicator_key = 'C1.7'
)
SELECT g.unit_id,
  coalesce(mem.complete, 0) AS members_complete, coalesce(mem.active, 0) AS members_active,
  {", ".join(f"coalesce(acts.{k}, 0) AS {k}" for k in COUNTED_KINDS)},
  coalesce(acts.youth_project, 0) AS youth_project,
  coalesce(acts.resource_mobilisation, 0) AS resource_mobilisation,
  coalesce(wel.supported, 0) AS welfare_supported, coalesce(wel.open, 0) AS welfare_open,
  coalesce(tra.on_time, 0) AS transfers_on_time, coalesce(tra.late, 0) AS transfers_late,
  coalesce(branches.regular, 0) AS branches_regular,
  coalesce(branches.active, 0) AS branches_active,
  coalesce(adm.n, 0) AS admitted, coalesce(ref.n, 0) AS referrals,
  coalesce(plans.annual, 0) AS annual, coalesce(plans.action, 0) AS action,
  score.v AS c17
FROM g
LEFT JOIN mem ON mem.g = g.unit_id
LEFT JOIN acts ON acts.g = g.unit_id
LEFT JOIN wel ON wel.g = g.unit_id
LEFT JOIN tra ON tra.g = g.unit_id
LEFT JOIN branches ON branches.g = g.unit_id
LEFT JOIN adm ON adm.g = g.unit_id
LEFT JOIN ref ON ref.g = g.unit_id
LEFT JOIN plans ON plans.g = g.unit_id
LEFT JOIN score ON score.g = g.unit_id
"""


Values = dict[str, Any]


async def oracle_values(
    session: AsyncSession, year: int, root_path: str | None = None
) -> dict[uuid.UUID, Values]:
    """Every grassroots unit's indicator values for `year`, from one SQL statement; only those
    under the unit whose path (as of the year's end) is `root_path` when given."""
    dialect = session.get_bind().dialect.name
    params: dict[str, Any] = {
        "year": year,
        "start": date(year, 1, 1),
        "end": date(year, 12, 31),
        "jan31": date(year, 1, 31),
    }
    if root_path is not None:
        params |= {"root_path": root_path, "root_upper": path_upper(root_path)}
    rows = (
        (await session.execute(text(_sql(dialect, root_path is not None)), params)).mappings().all()
    )
    result: dict[uuid.UUID, Values] = {}
    for r in rows:
        unit_id = r["unit_id"] if isinstance(r["unit_id"], uuid.UUID) else uuid.UUID(r["unit_id"])
        result[unit_id] = {
            "C1.1": (int(r["members_complete"]), int(r["members_active"])),
            "C1.2": int(r["situation_report"]),
            "C1.3": int(r["welfare_register_review"]),
            "C1.4": (int(r["welfare_supported"]), int(r["welfare_open"])),
            "C1.5": int(r["rights_protection"]),
            "C1.6": (
                int(r["transfers_on_time"]),
                int(r["transfers_on_time"] + r["transfers_late"]),
            ),
            "C1.7": None if r["c17"] is None else float(r["c17"]),
            "C2.1": bool(r["annual"]),
            "C2.2": bool(r["action"]),
            "C2.3": (int(r["branches_regular"]), int(r["branches_active"])),
            "C2.4": int(r["youth_project"]),
            "C2.5": int(r["admitted"]),
            "C2.6": bool(r["inspection"]) and bool(r["self_criticism"]),
            "C2.7": int(r["exemplary_model"]),
            "C3.1": int(r["advisory_document"]),
            "C3.2": int(r["dialogue"]),
            "C3.3": int(r["referrals"]),
            "C3.4": int(r["resource_mobilisation"]),
        }
    return result


SHARES = {"C1.1", "C1.4", "C1.6", "C2.3"}
AGAINST_TARGET = {"C2.5", "C3.3"}


def verdict_values(verdict: Verdict) -> Values:
    """The same values read off a verdict's explanation."""
    return json_values(verdict_to_dict(verdict))


def json_values(verdict: dict[str, Any]) -> Values:
    """The same values read off a verdict as `verdict_to_dict` (or `recompute --output`) gives."""
    values: Values = {}
    for criterion in verdict["criteria"]:
        for i in criterion["indicators"]:
            key, value = i["key"], i["value"]
            if key in SHARES:
                values[key] = (i["numerator"] or 0, i["denominator"] or 0)
            elif key in AGAINST_TARGET:
                values[key] = i["numerator"] or 0
            elif key == "C1.7":
                values[key] = None if value is None else float(value)
            elif isinstance(value, bool):
                values[key] = value
            else:
                values[key] = int(value or 0)
    return values
