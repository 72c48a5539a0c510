"""Code lists for welfare cases, kept as data: a province extends them by adding codes here.

Categories follow Youth Union practice (reference/domain-research.md f.1); support kinds the forms
of support in f.2.
"""

CATEGORIES: dict[str, str] = {
    "disability": "Người khuyết tật",
    "serious_illness": "Mắc bệnh hiểm nghèo",
    "poor_household": "Hộ nghèo",
    "near_poor_household": "Hộ cận nghèo",
    "unemployed": "Thanh niên thất nghiệp",
    "at_risk": "Thanh thiếu niên chậm tiến",
    "post_rehabilitation": "Sau cai nghiện",
    "reintegration": "Hoàn lương",
    "orphan": "Mồ côi",
    "migrant_worker": "Lao động xa quê",
    "other": "Khác",
}

SUPPORT_KINDS: dict[str, str] = {
    "visit_gift": "Thăm hỏi, tặng quà",
    "scholarship": "Học bổng",
    "loan": "Vay vốn",
    "livelihood": "Hỗ trợ sinh kế",
    "vocational_training": "Học nghề",
    "job_referral": "Giới thiệu việc làm",
    "mentoring": "Đồng hành, kèm cặp",
    "counselling": "Tư vấn",
    "house": "Nhà nhân ái",
    "healthcare": "Hỗ trợ y tế",
    "other": "Khác",
}

# Counts below this are withheld from aggregate statistics, so small cells cannot single out
# a person.
MIN_REPORTED_COUNT = 3
