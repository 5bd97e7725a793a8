"""取り込み in headless Chromium, as an office clerk does it.

Usage: upload.py BASE_URL STEWARD PASSWORD BOARD OUT_DIR AXE_JS BAD_FILE GOOD_FILE

The steward uploads a CP932 roster with a bad row (BAD_FILE) through the form, reads the
reject in the preview (row, column, value, reason with its もしかして hint), uploads the fixed
file (GOOD_FILE), reads what it would change, commits, and sees the overview show the new
roster; then a board member is refused the upload page. Every page gets the shared checks
(common.py). Fails (exit 1) on any failure.
"""

import json
import re
import sys
import time

from selenium.webdriver.common.by import By

from common import Browser

base, steward, password, board, out, axe_js, bad_file, good_file = sys.argv[1:9]
browser = Browser(out, axe_js)
driver, failures, check = browser.driver, browser.failures, browser.check


FINAL = re.compile("・(確認待ち|読み込めません|取り込み済み|取り込めませんでした|取り消し済み)")


def main_text():
    found = driver.find_elements(By.TAG_NAME, "main")
    return found[0].text if found else driver.page_source[:500]


def settle(step, until=None):
    """Waits until the upload's page (/data/upload/ID) shows a final state (確認待ち, 読み込めません,
    取り込み済み, …) or `until`, reloading it meanwhile (the page refreshes itself every 2 s anyway).

    It waits for a final state on a fully loaded page rather than for the working states to be
    gone: a page read while the browser is between two refreshes, or still parsing one, has
    neither (this made CI fail once: the preview was read before it was there)."""
    deadline = time.time() + 120
    while time.time() < deadline:
        text = driver.page_source
        on_page = re.search(r"/data/upload/[0-9a-f]{32}$", driver.current_url)
        done = until in text if until else FINAL.search(text)
        loaded = driver.execute_script("return document.readyState") == "complete"
        if on_page and done and loaded:
            return check(step, "取り込み")
        time.sleep(0.5)
        if on_page:
            driver.refresh()
    failures.append(f"{step}: no final state within 120 s at {driver.current_url}: {main_text()[:300]}")
    check(step, "取り込み")


def send(path, step):
    driver.get(base + "/data/upload")
    check(step + "-form", "取り込み")
    fields = driver.find_elements(By.NAME, "files")
    if not fields:
        failures.append(f"{step}: no file field at {driver.current_url}: {driver.page_source[:500]}")
        return
    fields[0].send_keys(path)
    # Typing into a date field follows the browser's locale; the value is set as submitted.
    driver.execute_script("document.querySelector('input[name=as_of]').value = '2025-09-30'")
    driver.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]").click()
    settle(step)


browser.login(base, steward, password)
driver.get(base + "/")
before = driver.find_element(By.TAG_NAME, "main").text

# 1. The roster with a bad row: the reject, with its hint, is in the preview.
send(bad_file, "upload-bad")
rejects = driver.find_elements(By.CSS_SELECTOR, "table.rejects tbody tr")
if not rejects:
    failures.append("upload-bad: no reject in the preview")
else:
    row = rejects[0].text
    for want in ["4", "会員種別", "正会", "もしかして"]:
        if want not in row:
            failures.append(f"upload-bad: the reject row {row!r} lacks {want!r}")
if "CP932" not in driver.page_source:
    failures.append("upload-bad: the encoding is not shown")
abandon = driver.find_elements(By.XPATH, "//button[contains(., '取り消す')]")
if abandon:
    abandon[0].click()
else:
    failures.append(f"upload-bad: no 取り消す button: {main_text()[:300]}")
deadline = time.time() + 30
while not driver.current_url.endswith("/data/upload") and time.time() < deadline:
    time.sleep(0.1)  # the abandon lands before the next page is asked for

# 2. The fixed file: what it changes, then 取り込む.
send(good_file, "upload-good")
if "名簿の変化" not in driver.page_source:
    failures.append("upload-good: the preview lacks what the roster changes")
if driver.find_elements(By.CSS_SELECTOR, "table.rejects"):
    failures.append("upload-good: rejects in the fixed file")
commit = driver.find_elements(By.XPATH, "//form[contains(@class, 'commit')]//button")
if not commit:
    failures.append(f"upload-good: no 取り込む button: {driver.find_element(By.TAG_NAME, 'main').text[:500]}")
else:
    commit[0].click()
    settle("upload-committed", until="取り込みました")
if "取り込みました" not in driver.page_source:
    failures.append(f"upload-committed: not committed: {driver.find_element(By.TAG_NAME, 'main').text[:300]}")

# 3. The overview shows the new roster.
driver.get(base + "/")
check("upload-overview", "概要")
after = driver.find_element(By.TAG_NAME, "main").text
if after == before or "72 人" not in after:
    failures.append(f"upload-overview: the overview did not change to the new roster: {after[:300]}")

# 4. A board member may not upload.
driver.find_element(By.XPATH, "//form[@action='/logout']//button").click()
browser.login(base, board, password)
if driver.find_elements(By.XPATH, "//nav//a[@href='/data/upload']"):
    failures.append("board: the navigation offers 取り込み")
driver.get(base + "/data/upload")
if "権限がありません" not in driver.page_source or driver.find_elements(By.NAME, "files"):
    failures.append("board: the upload form was shown")

driver.quit()
print(json.dumps({"failures": failures}, ensure_ascii=False, indent=1))
sys.exit(1 if failures else 0)
