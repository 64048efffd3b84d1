"""The web chat page in headless Chromium (selenium) against a real server: slow, marked browser.

Run by `.ci/run` after the main suite: `pytest -m browser`. Needs Debian's `chromium` and
`chromium-driver`; the screenshot is left in $OPSQKV_SCREENSHOT_DIR (else the test's tmp dir).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_server import ServiceProcess, drop_prefix, service_settings, start_service

from agents import OpsBot
from settings import Settings

pytestmark = pytest.mark.browser

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def server(
    bot: OpsBot, bot_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    settings = service_settings(bot_settings.home)
    proc = start_service(settings, tmp_path_factory.mktemp("svc-web") / "serve.log")
    yield proc
    proc.stop()
    drop_prefix(settings)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail(
            "chromium and chromium-driver are needed: apt-get install chromium chromium-driver"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    yield driver
    driver.quit()


def _send(driver: object, wait: WebDriverWait, text: str) -> None:
    before = len(driver.find_elements(By.CSS_SELECTOR, "#log li.bot, #log li.error"))  # type: ignore[attr-defined]
    box = driver.find_element(By.ID, "text")  # type: ignore[attr-defined]
    box.send_keys(text)
    driver.find_element(By.ID, "send").click()  # type: ignore[attr-defined]
    wait.until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#log li.bot, #log li.error")) > before
    )


def test_service_web_page_chats_with_citations_tables_and_ticket_panel(
    server: ServiceProcess, browser: object, tmp_path: Path
) -> None:
    driver = browser
    token = server.token("web")
    wait = WebDriverWait(driver, 90)
    driver.get(server.url + "/")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "token").send_keys(token)  # type: ignore[attr-defined]
    session = driver.find_element(By.ID, "session")  # type: ignore[attr-defined]
    session.clear()
    session.send_keys(f"web-{uuid.uuid4().hex[:8]}")
    driver.find_element(By.ID, "connect").click()  # type: ignore[attr-defined]
    wait.until(ec.element_to_be_clickable((By.ID, "send")))

    _send(driver, wait, "nginx returns 502, what do I check?")
    qa = driver.find_elements(By.CSS_SELECTOR, "#log li.bot.qa")  # type: ignore[attr-defined]
    assert qa and qa[-1].find_elements(By.CSS_SELECTOR, "ol.citations li")

    _send(driver, wait, "how many hosts per idc")
    cmdb = driver.find_elements(By.CSS_SELECTOR, "#log li.bot.cmdb table.cmdb tbody tr")  # type: ignore[attr-defined]
    assert len(cmdb) >= 3

    _send(driver, wait, "what does order-service depend on, show the topology")
    wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#log img.topology")))
    assert "/v1/pictures/" in driver.find_elements(By.CSS_SELECTOR, "#log li.bot.cmdb")[-1].text  # type: ignore[attr-defined]
    _send(driver, wait, "open an incident for payment-api since 10:30, sev2")
    wait.until(ec.visibility_of_element_located((By.ID, "panel")))
    missing = driver.find_elements(By.CSS_SELECTOR, "#panel tr.missing")  # type: ignore[attr-defined]
    filled = driver.find_elements(By.CSS_SELECTOR, "#panel tr.filled")  # type: ignore[attr-defined]
    assert any(r.get_attribute("data-slot") == "symptom" for r in missing)
    assert any(r.get_attribute("data-slot") == "service" for r in filled)

    folder = Path(os.environ.get("OPSQKV_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(folder / "web-chat.png"))  # type: ignore[attr-defined]
    assert not driver.find_elements(By.CSS_SELECTOR, "#log li.error")  # type: ignore[attr-defined]
