"""The English text of every Chinese string in the pages, and the names of enum values in both
languages. A test checks that every ``_("…")`` in the templates has its English here."""

from __future__ import annotations

LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "Role": {
        "ENTERPRISE": ("企业", "Enterprise"), "INSURER": ("保险机构", "Insurer"),
        "AGENCY": ("技术服务机构", "Agency"), "EXPERT": ("专家", "Expert"),
        "BUREAU": ("应急管理局", "Bureau"), "ADMIN": ("管理员", "Administrator"),
    },
    "PolicyStatus": {
        "PENDING_PAYMENT": ("待缴费", "Awaiting payment"), "ACTIVE": ("有效", "Active"),
        "EXPIRED": ("已到期", "Expired"), "CANCELLED": ("已退保", "Cancelled"),
    },
    "PaymentMethod": {
        "CARD": ("银行卡", "Card"), "ALIPAY": ("支付宝", "Alipay"), "WECHAT_PAY": ("微信支付", "WeChat Pay"),
        "BANK_TRANSFER": ("银行转账", "Bank transfer"),
    },
    "PaymentStatus": {
        "PENDING": ("待确认", "Pending"), "SUCCEEDED": ("已到账", "Received"), "FAILED": ("失败", "Failed"),
        "REFUNDED": ("已退款", "Refunded"), "PARTIALLY_REFUNDED": ("部分退款", "Partly refunded"),
    },
    "SizeClass": {
        "LARGE": ("大型", "Large"), "MEDIUM": ("中型", "Medium"), "SMALL": ("小型", "Small"),
        "MICRO": ("微型", "Micro"),
    },
    "Sector": {
        "INDUSTRY": ("工业", "Industry"), "CONSTRUCTION": ("建筑业", "Construction"),
        "WHOLESALE": ("批发业", "Wholesale"), "RETAIL": ("零售业", "Retail"),
        "TRANSPORT": ("交通运输业", "Transport"), "WAREHOUSING": ("仓储业", "Warehousing"),
        "POSTAL": ("邮政业", "Postal"), "AGRICULTURE": ("农林牧渔业", "Agriculture"),
        "OTHER": ("其他", "Other"),
    },
    "RiskColor": {
        "RED": ("红色（重大风险）", "Red (major)"), "ORANGE": ("橙色（较大风险）", "Orange (significant)"),
        "YELLOW": ("黄色（一般风险）", "Yellow (general)"), "BLUE": ("蓝色（低风险）", "Blue (low)"),
    },
    "AgencyStatus": {
        "PENDING": ("待审核", "Pending"), "APPROVED": ("已核准", "Approved"), "SUSPENDED": ("暂停", "Suspended"),
        "REJECTED": ("未通过", "Rejected"), "REVOKED": ("已撤销", "Revoked"),
    },
    "ServiceType": {
        "RISK_ASSESSMENT": ("风险辨识评估", "Risk assessment"),
        "HAZARD_INSPECTION": ("隐患排查", "Hazard inspection"),
        "TRAINING": ("安全培训", "Training"), "EMERGENCY_DRILL": ("应急演练", "Emergency drill"),
        "STANDARDIZATION": ("标准化咨询", "Standardisation"), "OTHER": ("其他服务", "Other service"),
    },
    "BookingStatus": {
        "REQUESTED": ("待确认", "Requested"), "CONFIRMED": ("已确认", "Confirmed"),
        "CHECKED_IN": ("已签到", "Checked in"), "REPORTED": ("已提交记录", "Reported"),
        "ACKNOWLEDGED": ("企业已确认", "Acknowledged"), "CANCELLED": ("已取消", "Cancelled"),
        "NO_SHOW": ("未到场", "No show"),
    },
    "Funding": {"INSURER": ("保险机构预防费用", "Insurer's prevention budget"), "SELF": ("企业自费", "Self-paid")},
    "HazardGrade": {"GENERAL": ("一般隐患", "General hazard"), "MAJOR": ("重大事故隐患", "Major hazard")},
    "HazardStatus": {
        "OPEN": ("待整改", "Open"), "RECTIFICATION_SUBMITTED": ("整改待验收", "Rectification submitted"),
        "CLOSED": ("已销号", "Closed"), "OVERDUE": ("已逾期", "Overdue"),
    },
    "CoverageDimension": {
        "TOWN": ("镇街", "Town"), "VILLAGE": ("村", "Village"), "PARK": ("园区", "Park"),
        "SIZE_CLASS": ("企业规模", "Size class"), "INDUSTRY": ("行业", "Industry"),
        "HIGH_RISK_TAG": ("高危标签", "High-risk tag"), "INSURER": ("保险机构", "Insurer"),
    },
    "RegionLevel": {
        "CITY": ("市", "City"), "TOWN": ("镇街", "Town"), "VILLAGE": ("村", "Village"), "PARK": ("园区", "Park"),
    },
    "ReviewDecision": {
        "APPROVE": ("核准", "Approve"), "REJECT": ("不予核准", "Reject"), "REQUEST_INFO": ("补充材料", "Ask for more"),
        "SUSPEND": ("暂停", "Suspend"), "REVOKE": ("撤销", "Revoke"),
    },
}

EN: dict[str, str] = {
    # layout
    "安责": "Anze", "安全生产责任保险服务平台": "Work-safety liability insurance platform",
    "安责险服务平台": "Safety liability insurance platform", "主菜单": "Main menu", "首页": "Home",
    "服务机构": "Agencies", "曝光台": "Exposure board", "登录": "Log in", "退出": "Log out",
    "安责 · 安全生产责任保险与事故预防技术服务平台（演示数据）":
        "Anze · work-safety liability insurance and accident-prevention services (demo data)",
    "部分服务暂时不可用，以下内容可能不完整。":
        "Some services are unavailable right now; what follows may be incomplete.",
    "分页": "Pages", "共 {n} 条": "{n} in all", "第一页": "First page", "下一页": "Next page",
    "图表数据": "Figures of the chart", "进入工作台": "Go to my workspace", "返回首页": "Back to home",
    # menus
    "我的企业": "My firm", "保单": "Policies", "上门服务": "Visits", "隐患整改": "Hazards",
    "承保业务": "Book", "待确认转账": "Transfers to confirm", "隐患": "Hazards", "预约": "Bookings",
    "今日服务": "My visits", "待验收整改": "Rectifications to verify", "投保扩面": "Coverage",
    "重大隐患": "Major hazards", "机构审核": "Agency vetting",
    # notices
    "您已退出登录。": "You have logged out.", "已提交缴费，等待保险机构确认到账。":
        "Payment submitted; waiting for the insurer to confirm receipt.",
    "已确认到账，保单已生效。": "Receipt confirmed; the policy is active.", "预约已提交。": "Booking requested.",
    "服务记录已提交。": "Service record submitted.", "整改已提交，等待专家验收。":
        "Rectification submitted; waiting for the expert to verify it.",
    "验收结果已保存。": "Verification saved.", "已确认服务记录。": "Service record acknowledged.",
    "已保存。": "Saved.", "已签到。": "Checked in.", "预约已确认。": "Booking confirmed.",
    "报价已生成。": "Quote ready.", "企业已登记。": "Firm registered.", "审核意见已保存。": "Decision saved.",
    # errors
    "无权访问": "Not allowed", "此页面不属于您的账号可以查看的范围。": "This page is not one your account may see.",
    "请求已被拒绝": "Request refused", "表单已过期或来源不明，请返回上一页刷新后重新提交。":
        "The form has expired or did not come from this site. Go back, reload the page and submit again.",
    "服务暂时不可用": "Service unavailable", "平台的部分服务暂时无法访问，请稍后再试。":
        "Part of the platform cannot be reached right now. Please try again shortly.",
    "出错了": "Something went wrong", "页面未能取得数据，我们已记录此问题。":
        "The page could not get its data; the problem has been logged.",
    "页面不存在": "Page not found", "您要找的页面不存在或已被移除。": "The page you asked for does not exist.",
    "不支持的操作": "Not supported", "此地址不支持该操作。": "This address does not support that action.",
    "页面出现错误，我们已记录此问题。": "The page failed; the problem has been logged.",
    # login
    "邮箱": "Email", "密码": "Password", "请输入邮箱。": "Enter your email.", "请输入密码。": "Enter your password.",
    "邮箱或密码不正确。": "The email or password is not right.", "登录已过期，请重新登录。":
        "Your session has expired; please log in again.",
    "演示账号：bureau@demo.anze.cn 等，密码 anze-demo-2026。":
        "Demo accounts: bureau@demo.anze.cn and others, password anze-demo-2026.",
    # home
    "安全生产责任保险 + 事故预防技术服务": "Work-safety liability insurance + accident-prevention services",
    "为村级工业园区的小微企业提供安责险投保、保费中的事故预防服务经费、第三方技术服务机构上门排查隐患、整改闭环，以及应急管理部门的投保扩面监测。":
        "For small and micro firms in village industrial parks: buy safety liability cover, spend the "
        "prevention budget in each premium on third-party agencies that inspect the site, close every hazard, "
        "and let the emergency management bureau watch coverage grow.",
    "查找服务机构": "Find an agency", "企业": "Firms", "保险机构": "Insurers",
    "技术服务机构与专家": "Agencies and experts", "应急管理局": "Emergency management bureau",
    "在线投保、缴费，预约专家上门排查隐患，提交整改，查看预防服务费用台账。":
        "Buy cover and pay online, book an expert to inspect the site, submit rectifications, follow the "
        "prevention fee ledger.",
    "定价出单、确认转账，用每份保费中的预防经费安排上门服务，跟踪隐患整改。":
        "Price and issue policies, confirm transfers, fund visits from each premium's prevention budget, "
        "follow hazards to closure.",
    "发布服务、接受预约，专家用手机签到、填写服务记录和隐患、验收整改。":
        "Publish services and take bookings; experts check in, file records and hazards and verify "
        "rectifications from a phone.",
    "按镇街、规模、行业查看投保率和走势，审核服务机构，督办重大隐患。":
        "Coverage rate and trend by town, size and industry; vet agencies; supervise major hazards.",
    # bureau coverage
    "投保率": "Coverage rate", "投保率走势": "Coverage trend", "返回全市": "Back to the whole city",
    "统计维度": "Group by", "统计日期": "As of", "查看": "Show", "暂无投保数据。": "No coverage data yet.",
    "企业总数": "Firms", "已投保企业": "Insured firms", "覆盖从业人员": "Employees covered",
    "生成时间": "Generated", "数据不完整": "incomplete", "下载 CSV": "Download CSV",
    "下载 Excel": "Download Excel", "各{dimension}投保率": "Coverage rate by {dimension}", "明细": "Details",
    "企业数": "Firms", "已投保": "Insured", "从业人员": "Employees", "覆盖人员": "Covered", "合计": "Total",
    "该范围内没有登记的企业。": "No firm is registered in this area.",
    "近一年投保率走势": "Coverage over the last year",
    "月份": "Month",
}
