"""End-to-end test of the dashboard in headless Chromium (Debian's chromium + chromium-driver).

Usage: e2e.py BASE_URL USER PASSWORD OUT_DIR AXE_JS

Logs in through the form, opens every page, submits the what-if form, picks a survey
question, drills down from a prefecture to a hospital, downloads an
export, and saves a screenshot of each step in OUT_DIR. Fails (exit 1) on any console
error, broken image, non-200 page, missing Japanese heading or failed export.
Japanese text must render with a CJK font: the script checks that the page's text
is laid out with glyphs wider than the fallback "tofu" boxes would be.
Every page is also checked with axe-core (AXE_JS, installed by scripts/setup.sh) against
WCAG 2.1 A and AA: a serious or critical violation fails the test. And no form control may
run under its neighbour (a long question text once pushed the picker under the others).
"""

import json
import os
import sys
import time
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from common import Browser

base, user, password, out, axe_js = sys.argv[1:6]
browser = Browser(out, axe_js)
driver, failures, check, downloads = browser.driver, browser.failures, browser.check, browser.downloads
browser.login(base, user, password)

pages = [
    ("overview", "/", "概要"),
    ("members", "/members", "会員"),
    ("survey", "/survey", "アンケート"),
    ("specialists", "/specialists", "専門医"),
    ("hospitals", "/hospitals", "拠点病院"),
    ("renewals", "/renewals", "専門医更新"),
    ("data", "/data", "データ"),
    ("metrics", "/metrics", "指標一覧"),
    ("metric", "/metrics/members.composition?by=category,prefecture", "会員構成"),
    ("console", "/console", "SQLコンソール"),
]
for step, path, heading in pages:
    driver.get(base + path)
    check(step, heading)
    svgs = driver.find_elements(By.CSS_SELECTOR, "figure.chart svg, .kpi svg")
    if step in ("overview", "members", "survey", "specialists", "hospitals", "renewals") and not svgs:
        failures.append(f"{step}: no chart")

# The what-if form, as a user fills it in.
driver.get(base + "/members")
field = driver.find_element(By.NAME, "staff_full")
field.clear()
field.send_keys("60")
driver.find_element(By.CSS_SELECTOR, "#what-if + form button, form.grid button").click()
time.sleep(0.5)
check("what-if", "会員")
if "staff_full=60" not in driver.current_url:
    failures.append(f"what-if: the form did not submit ({driver.current_url})")
if "仮定後の医師の割合" not in driver.page_source:
    failures.append("what-if: no after-share gauge")

# The survey's question picker: choose Q03 and cross-tabulate it by Q01.
driver.get(base + "/survey")
Select(driver.find_element(By.NAME, "question")).select_by_value("Q03")
Select(driver.find_element(By.NAME, "column")).select_by_value("Q01")
driver.find_element(By.CSS_SELECTOR, "form.grid button").click()
time.sleep(0.5)
check("survey-question", "アンケート")
if "question=Q03" not in driver.current_url or "Q03 × Q01" not in driver.page_source:
    failures.append(f"survey: the question form did not apply ({driver.current_url})")

# The 拠点病院 drill-down: pick 東京都, click an area, then a hospital.
driver.get(base + "/hospitals")
Select(driver.find_element(By.NAME, "pref")).select_by_value("13")
driver.find_element(By.CSS_SELECTOR, "form.picker button").click()
time.sleep(0.5)
check("hospitals-prefecture", "東京都")
driver.find_element(By.LINK_TEXT, "区中央部").click()
time.sleep(0.5)
check("hospitals-area", "区中央部")
driver.find_element(By.CSS_SELECTOR, "section.result td a[href*='hospital=']").click()
time.sleep(0.5)
check("hospitals-hospital", "病院")
if "指定の履歴" not in driver.page_source:
    failures.append("hospitals: the hospital page lacks its designation history")

# 専門医更新: list the not-ready applicants, then open one applicant's findings.
driver.get(base + "/renewals")
Select(driver.find_element(By.NAME, "status")).select_by_value("未充足")
driver.find_element(By.CSS_SELECTOR, "form.picker button").click()
time.sleep(0.5)
check("renewals-not-ready", "専門医更新")
driver.find_element(By.CSS_SELECTOR, "#renewals-applicants td a[href*='certificate=']").click()
time.sleep(0.5)
check("renewals-applicant", "専門医更新")
if "のチェック結果" not in driver.page_source or "未充足" not in driver.page_source:
    failures.append(f"renewals: the applicant's findings are not shown ({driver.current_url})")

# An export: the browser downloads the CSV link of the first table.
driver.get(base + "/members")
link = driver.find_element(By.LINK_TEXT, "CSV")
link.click()
deadline = time.time() + 20
files = []
while time.time() < deadline:
    files = [f for f in os.listdir(downloads) if f.endswith(".csv")]
    if files:
        break
    time.sleep(0.2)
if not files:
    failures.append("export: no CSV downloaded")
else:
    with open(os.path.join(downloads, files[0]), "rb") as f:
        data = f.read()
    if not data.startswith(b"\xef\xbb\xbf"):
        failures.append("export: the CSV lacks its BOM")

# Logout ends the session.
driver.find_element(By.CSS_SELECTOR, "form.inline button").click()
driver.get(base + "/members")
if "/login" not in driver.current_url:
    failures.append(f"logout: still logged in ({driver.current_url})")

driver.quit()
print(json.dumps({"failures": failures, "screenshots": sorted(os.listdir(out))}, ensure_ascii=False, indent=1))
sys.exit(1 if failures else 0)
