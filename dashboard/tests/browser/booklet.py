"""冊子 and 回答 in headless Chromium, as the committee and a respondent do it.

Usage: booklet.py BASE_URL COMMITTEE PASSWORD RESPONDENT OUT_DIR AXE_JS

The committee starts a question from a chart of the アンケート page, assigns it to the
respondent (小野 翔, whose account is RESPONDENT); the respondent finds it under 回答, reads
its evidence, drafts and submits an answer; the committee approves every answer, publishes
the edition and downloads the PDF. Every page gets the shared checks (common.py). Fails
(exit 1) on any failure.
"""

import json
import os
import sys
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from common import Browser

base, committee, password, respondent, out, axe_js = sys.argv[1:7]
browser = Browser(out, axe_js)
driver, failures, check = browser.driver, browser.failures, browser.check


def wait_for(path_part, step):
    deadline = time.time() + 30
    while path_part not in driver.current_url and time.time() < deadline:
        time.sleep(0.1)
    if path_part not in driver.current_url:
        failures.append(f"{step}: expected {path_part} in {driver.current_url}: {driver.find_element(By.TAG_NAME, 'main').text[:300]}")


def logout():
    driver.find_element(By.XPATH, "//form[@action='/logout']//button").click()
    wait_for("/login", "logout")


# 1. The committee: next year's edition, with this year's structure; then a question from the
#    chart of Q03's answers in this year's.
browser.login(base, committee, password)
driver.get(base + "/booklet")
check("booklet-list", "冊子")
driver.find_element(By.NAME, "edition").clear()
driver.find_element(By.NAME, "edition").send_keys("2027")
driver.find_element(By.NAME, "survey_year").clear()
driver.find_element(By.NAME, "survey_year").send_keys("2026")
Select(driver.find_element(By.NAME, "copy_from")).select_by_value("2026")
driver.find_element(By.XPATH, "//form[@action='/booklet']//button").click()
wait_for("/booklet/2027", "booklet-new")
check("booklet-new", "2027年度")
if "【Q5】" not in driver.page_source:
    failures.append("booklet-new: the copied questions are not there")
driver.get(base + "/survey?fiscal_year=2025&question=Q03")
check("booklet-survey", "アンケート")
links = driver.find_elements(By.XPATH, "//a[contains(@href, '/booklet/new-question?metric=survey.answers')]")
if not links:
    failures.append("booklet-survey: no 「この結果から質問を作る」 under the answers chart")
else:
    links[0].click()
    wait_for("/booklet/new-question", "booklet-from-chart")
    check("booklet-from-chart", "この結果から質問を作る")
    target = Select(driver.find_element(By.NAME, "target"))
    this_year = [o.get_attribute("value") for o in target.options if o.get_attribute("value").startswith("2026:")]
    if not this_year:
        failures.append("booklet-from-chart: the 2026 edition is not offered")
    else:
        target.select_by_value(this_year[0])
    driver.find_element(By.NAME, "title").send_keys("キャリア支援への関心（ブラウザ）")
    driver.find_element(By.NAME, "body").send_keys("関心が高いという結果を、どう受け止めますか。")
    driver.find_element(By.XPATH, "//form[@action='/booklet/new-question']//button").click()
    wait_for("/booklet/2026/q/", "booklet-question")
check("booklet-question", "キャリア支援への関心（ブラウザ）")
if "非常に関心がある" not in driver.page_source:
    failures.append("booklet-question: the chart's figures are not its evidence")
question_url = driver.current_url

# 2. Assign it to 小野 翔 with a due date.
Select(driver.find_element(By.XPATH, "//form[.//input[@value='assign']]//select[@name='respondent']")).select_by_visible_text("小野 翔 広報委員長")
driver.execute_script("document.querySelector('form input[value=assign]').form.querySelector('input[name=due]').value = '2026-12-20'")
driver.find_element(By.XPATH, "//form[.//input[@value='assign']]//button").click()
time.sleep(0.5)
check("booklet-assigned", "キャリア支援への関心（ブラウザ）")
if "期限 2026-12-20" not in driver.page_source:
    failures.append("booklet-assigned: the assignment is not shown")
logout()

# 3. The respondent: 回答 lists it; the answer is drafted, then submitted.
browser.login(base, respondent, password)
driver.get(base + "/")
wait_for("/answers", "answers-home")
check("answers", "回答をお願いしている質問")
if driver.find_elements(By.XPATH, "//nav//a[@href='/survey']"):
    failures.append("answers: a respondent is offered the survey page")
q = driver.find_elements(By.XPATH, "//a[contains(., 'キャリア支援への関心（ブラウザ）')]")
if not q:
    failures.append(f"answers: the new question is not listed: {driver.find_element(By.TAG_NAME, 'main').text[:300]}")
else:
    q[0].click()
    wait_for("/answers/2026/", "answer-page")
    check("answer-page", "キャリア支援への関心（ブラウザ）")
    if "非常に関心がある" not in driver.page_source:
        failures.append("answer-page: the evidence is not shown to the respondent")
    area = driver.find_element(By.NAME, "text")
    area.send_keys("若手向けのキャリア相談会を年2回開きます。")
    driver.find_element(By.XPATH, "//button[@value='draft']").click()
    time.sleep(0.5)
    area = driver.find_element(By.NAME, "text")
    area.send_keys("\n\n・初回は学術集会の会期中に行います")
    driver.find_element(By.XPATH, "//button[@value='submit']").click()
    time.sleep(0.5)
    check("answer-submitted", "キャリア支援への関心（ブラウザ）")
    if "提出済み" not in driver.page_source:
        failures.append("answer-submitted: the answer is not submitted")
driver.get(base + "/booklet")
if "権限がありません" not in driver.page_source:
    failures.append("respondent: the committee's 冊子 page was shown")
driver.get_log("browser")  # the 403 just asked for is the point, not a console error
driver.get(base + "/answers")
logout()

# 4. The committee approves every answer, publishes, downloads the PDF.
browser.login(base, committee, password)
driver.get(base + "/booklet/2026")
check("booklet-edition", "2026年度")
for _ in range(20):
    rows = [r for r in driver.find_elements(By.CSS_SELECTOR, "#progress + p + div table tbody tr") if "承認済み" not in r.text]
    if not rows:
        break
    rows[0].find_element(By.LINK_TEXT, "開く").click()
    wait_for("/answer/", "booklet-review")
    area = driver.find_element(By.NAME, "text")
    if not area.get_attribute("value").strip():
        area.send_keys("会員委員会が代わりに入力した回答です。")
    driver.find_element(By.XPATH, "//button[@value='approve']").click()
    time.sleep(0.3)
    driver.get(base + "/booklet/2026")
check("booklet-approved", "2026年度")
publish = driver.find_elements(By.XPATH, "//form[contains(@action, '/publish')]//button")
if not publish or not publish[0].is_enabled():
    failures.append(f"booklet-approved: 公開する is not offered: {driver.find_element(By.TAG_NAME, 'main').text[:400]}")
else:
    publish[0].click()
    time.sleep(0.5)
    check("booklet-published", "2026年度")
    if "公開済み" not in driver.page_source:
        failures.append("booklet-published: not published")
    driver.get(base + "/booklet/2026/preview")
    check("booklet-preview", "私の声は届いていますか")
    if "若手向けのキャリア相談会" not in driver.page_source or "目次" not in driver.page_source:
        failures.append("booklet-preview: the answer or the contents are missing")
    driver.get(base + "/booklet/2026")
    driver.find_element(By.XPATH, "//a[@href='/booklet/2026/booklet.pdf']").click()
    deadline = time.time() + 60
    pdf = os.path.join(browser.downloads, "booklet_2026.pdf")
    while not os.path.exists(pdf) and time.time() < deadline:
        time.sleep(0.2)
    if not os.path.exists(pdf):
        failures.append(f"booklet-download: no PDF in {os.listdir(browser.downloads)}")
    else:
        with open(pdf, "rb") as fh:
            if not fh.read(5).startswith(b"%PDF"):
                failures.append("booklet-download: not a PDF")
    driver.save_screenshot(os.path.join(out, "booklet-published.png"))

driver.quit()
print(json.dumps({"failures": failures}, ensure_ascii=False, indent=1))
sys.exit(1 if failures else 0)
