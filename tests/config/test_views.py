import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/api/v1/invoices/1.5/issue/", "/api/v1/public/events/no such event/", "/api/v2/"]
)
def test_it_answers_an_unknown_api_address_in_the_api_error_shape(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"errors": {"detail": ["Not found."]}}


def test_it_keeps_the_html_page_for_an_unknown_address_outside_the_api(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_it_answers_a_bad_api_request_in_the_api_error_shape(client):
    response = client.get("/api/v1/public/events/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response.json() == {"errors": {"detail": ["Bad request."]}}
