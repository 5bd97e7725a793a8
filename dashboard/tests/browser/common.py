"""What every browser test shares: headless Chromium (Debian's chromium + chromium-driver) and
the check run on every page — no console error, no broken image, the expected heading, Japanese
text laid out with a CJK font, no form control over its neighbour, and no serious or critical
axe-core (WCAG 2.1 A/AA) violation; a screenshot of each step goes to the output directory."""

import os
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By


class Browser:
    def __init__(self, out, axe_js):
        with open(axe_js, encoding="utf-8") as fh:
            self.axe = fh.read()
        self.out = out
        os.makedirs(out, exist_ok=True)
        self.downloads = os.path.join(out, "downloads")
        os.makedirs(self.downloads, exist_ok=True)
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,2000", "--lang=ja-JP"]:
            opts.add_argument(a)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        opts.add_experimental_option(
            "prefs", {"download.default_directory": self.downloads, "download.prompt_for_download": False}
        )
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        self.failures = []

    def check(self, step, heading):
        logs = [l for l in self.driver.get_log("browser") if l["level"] == "SEVERE"]
        for l in logs:
            self.failures.append(f"{step}: console error: {l['message']}")
        broken = self.driver.execute_script(
            "return Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
        )
        for b in broken:
            self.failures.append(f"{step}: broken image {b}")
        h1 = self.driver.find_elements(By.TAG_NAME, "h1")
        text = h1[0].text if h1 else ""
        if heading not in text:
            self.failures.append(f"{step}: heading {text!r} lacks {heading!r}")
        # A CJK font lays 正会員 out wider than three Latin 'i's; tofu boxes or a missing font would not be.
        width = self.driver.execute_script(
            "const s = document.createElement('span'); s.textContent = '正会員'; document.body.appendChild(s);"
            "const w = s.getBoundingClientRect().width; s.remove(); return w;"
        )
        if width < 30:
            self.failures.append(f"{step}: Japanese text renders {width}px wide: no CJK font?")
        # Form controls side by side must not overlap (nor stick out of their label).
        overlaps = self.driver.execute_script(
            """
            const out = [];
            for (const f of document.querySelectorAll('form.grid, form.picker')) {
              const items = Array.from(f.querySelectorAll(':scope > label, :scope > button'));
              const boxes = items.map(e => {
                const c = e.matches('label') ? (e.querySelector('select, input') || e) : e;
                return [e, c.getBoundingClientRect(), e.getBoundingClientRect()];
              });
              for (const [e, c, l] of boxes) {
                if (c.right > l.right + 1) out.push((e.textContent || '').trim().slice(0, 20) + ' sticks out of its label');
              }
              for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
                const a = boxes[i][1], b = boxes[j][1];
                if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
                  out.push((boxes[i][0].textContent || '').trim().slice(0, 20) + ' overlaps ' + (boxes[j][0].textContent || '').trim().slice(0, 20));
              }
            }
            return out;
            """
        )
        for o in overlaps:
            self.failures.append(f"{step}: form controls: {o}")
        self.driver.execute_script(self.axe)
        violations = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
            ".then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')"
            ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))"
            ".catch(e => done(['axe failed: ' + e]));"
        )
        for v in violations:
            self.failures.append(f"{step}: accessibility: {v}")
        self.driver.save_screenshot(os.path.join(self.out, f"{step}.png"))

    def login(self, base, user, password):
        self.driver.get(base + "/login")
        self.check("login", "oncometrics")
        self.driver.find_element(By.NAME, "username").send_keys(user)
        self.driver.find_element(By.NAME, "password").send_keys(password)
        self.driver.find_element(By.CSS_SELECTOR, "form.login button").click()
        # Wait for the login to land before going anywhere (a navigation would cancel it).
        deadline = time.time() + 30
        while "/login" in self.driver.current_url and time.time() < deadline:
            time.sleep(0.1)
        if "/login" in self.driver.current_url:
            self.failures.append(f"login as {user}: still on the login form")
