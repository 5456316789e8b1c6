"""The role model: read from the vendored data, the same rules as Amazon's pages state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spapi_docs_helpers._roles import REGION_CODES, RoleModel, role_model

DATA = Path(__file__).resolve().parents[1] / "spapi_docs_helpers" / "data" / "role-mappings.json"
IOT = "Inventory and Order Tracking"
FULFILLMENT = "Amazon Fulfillment"
LISTING = "Product Listing"
INSIGHTS = "Selling Partner Insights"
FINANCE = "Finance and Accounting"
AISP = "Account Information Service Provider"


@pytest.fixture(scope="module")
def model():
    return role_model()


def test_every_row_of_the_data_file_is_read(model):
    rows = json.loads(DATA.read_text(encoding="utf-8"))["operations"]
    assert [op.name for op in model.operations] == [row["operation"] for row in rows]


@pytest.mark.parametrize("region", ["NA", "EU"])
def test_participations_need_listing_or_insights_outside_the_far_east(model, region):
    op = model.operation("getMarketplaceParticipations")
    assert not op.granted({IOT, FULFILLMENT}, region)
    assert op.granted({LISTING}, region)
    assert op.granted({INSIGHTS}, region)


def test_fe_only_roles_count_for_participations_in_the_far_east(model):
    op = model.operation("getMarketplaceParticipations")
    assert op.granted({IOT}, "FE")
    assert op.granted({FINANCE}, "FE")


def test_an_operation_of_one_region_is_granted_nowhere_else(model):
    op = model.operation("getAccount")
    assert op.granted({FINANCE}, "EU")
    assert not op.granted({FINANCE}, "NA")
    assert not op.granted({FINANCE}, "FE")


def test_a_role_limited_to_a_region_counts_only_there(model):
    op = model.operation("listFinancialEventGroups")
    assert op.granted({AISP}, "EU")
    assert not op.granted({AISP}, "NA")
    assert op.granted({FINANCE}, "NA")


def test_vendors_hold_only_the_five_vendor_roles(model):
    assert model.holdable("vendor") == {
        FULFILLMENT,
        "Amazon Warehousing and Distribution",
        "Brand Analytics",
        "Direct to Consumer Shipping (Restricted)",
        LISTING,
    }
    assert model.holdable("seller") == set(model.roles)


def test_an_operation_for_sellers_only_is_never_granted_to_a_vendor(model):
    op = model.operation("getMarketplaceParticipations")
    assert not op.granted({LISTING}, "NA", "vendor")
    assert model.operation("getPurchaseOrders").granted({FULFILLMENT}, "NA", "vendor")
    assert not model.operation("getPurchaseOrders").granted({FULFILLMENT}, "NA", "seller")


def test_grantless_operations_are_granted_by_no_role(model):
    op = model.operation("getDestinations")
    assert op.grantless
    assert not any(op.granted(model.roles, region) for region in REGION_CODES)


def test_an_operation_without_listed_regions_exists_everywhere_unknown(model):
    op = model.operation("searchOrders")
    assert op.regions is None
    assert op.exists_in("NA") is None
    assert all(op.granted({IOT}, region) for region in REGION_CODES)


def test_ambiguous_operation_names_need_the_api(model):
    with pytest.raises(KeyError, match="pass api="):
        model.operation("getOrder")
    assert model.operation("getOrder", api="Orders API v2026-01-01").path.startswith(
        "/orders/2026-01-01/"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda row: row.update(roles=["Nonexistent Role"]), "unknown roles"),
        (lambda row: row.update(confidence="certain"), "confidence"),
        (lambda row: row.update(regions=["US"]), "regions"),
        (lambda row: row.update(role_regions={"Pricing": ["XX"]}), "role_regions"),
        (lambda row: row.update(seller_vendor="buyers"), "seller_vendor"),
    ],
)
def test_a_malformed_row_is_refused_with_its_operation_named(change, message):
    data = json.loads(DATA.read_text(encoding="utf-8"))
    change(data["operations"][0])
    with pytest.raises(ValueError, match=message) as raised:
        RoleModel(data)
    assert "getMarketplaceParticipations" in str(raised.value)
