from __future__ import annotations


def test_the_menu_shows_what_the_role_may_do_and_one_current_item(
    client, demo_directory, user_for
) -> None:
    client.force_login(user_for("coordinator"))
    html = client.get("/referrals/worklist/").content.decode()
    assert 'href="/referrals/worklist/"' in html and 'href="/outcomes/case-finding/"' in html
    assert 'href="/funding/pools/"' not in html  # a finance area: not the co-ordinator's
    assert html.count('aria-current="page"') == 1
    client.force_login(user_for("finance"))
    assert 'href="/funding/pools/"' in client.get("/").content.decode()
