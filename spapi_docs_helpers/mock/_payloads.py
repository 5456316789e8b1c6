"""The data SP-API answers with: small, realistic, each operation's real shape (field names
and required fields from Amazon's models), and the same on every run.

One builder per operation the mock serves (:data:`BUILDERS`), called with a :class:`Call`:
the selling partner the answer is about, the region, the marketplaces asked for (or the
partner's own), the path parameters, the query and the JSON body. A builder returns the
payload, or None when the resource a path parameter names does not exist (the service's
404); it raises :class:`InvalidParameter` for a value the service rejects (a 400).

Production hosts answer about the partner behind the token. The sandbox hosts answer about
a canned partner (:data:`SANDBOX_PARTNER`) and accept any identifier, as Amazon's static
sandbox answers canned payloads; getMarketplaceParticipations answers the Sellers model's
sandbox example verbatim. The tests validate every builder's payload against the
operation's 200 schema in Amazon's models.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from .._endpoints import MARKETPLACES
from . import _samples
from ._world import Partner

__all__ = [
    "BUILDERS",
    "CATALOGUE_ASIN",
    "LISTING_SKU",
    "MARKETPLACE_BY_ID",
    "MARKETPLACE_DETAILS",
    "NOTIFICATION_TYPE",
    "SANDBOX_PARTNER",
    "Call",
    "InvalidParameter",
    "participations",
]

# code -> (name, currency, language, domain), as getMarketplaceParticipations reports them.
# The codes are python-amazon-sp-api's, as the world's partners use them: the United Kingdom
# is "UK" (its payloads say "GB", see _country_code).
MARKETPLACE_DETAILS = {
    "US": ("Amazon.com", "USD", "en_US", "www.amazon.com"),
    "CA": ("Amazon.ca", "CAD", "en_CA", "www.amazon.ca"),
    "MX": ("Amazon.com.mx", "MXN", "es_MX", "www.amazon.com.mx"),
    "BR": ("Amazon.com.br", "BRL", "pt_BR", "www.amazon.com.br"),
    "IE": ("Amazon.ie", "EUR", "en_IE", "www.amazon.ie"),
    "ES": ("Amazon.es", "EUR", "es_ES", "www.amazon.es"),
    "UK": ("Amazon.co.uk", "GBP", "en_GB", "www.amazon.co.uk"),
    "FR": ("Amazon.fr", "EUR", "fr_FR", "www.amazon.fr"),
    "BE": ("Amazon.com.be", "EUR", "fr_BE", "www.amazon.com.be"),
    "NL": ("Amazon.nl", "EUR", "nl_NL", "www.amazon.nl"),
    "DE": ("Amazon.de", "EUR", "de_DE", "www.amazon.de"),
    "IT": ("Amazon.it", "EUR", "it_IT", "www.amazon.it"),
    "SE": ("Amazon.se", "SEK", "sv_SE", "www.amazon.se"),
    "ZA": ("Amazon.co.za", "ZAR", "en_ZA", "www.amazon.co.za"),
    "PL": ("Amazon.pl", "PLN", "pl_PL", "www.amazon.pl"),
    "EG": ("Amazon.eg", "EGP", "ar_AE", "www.amazon.eg"),
    "TR": ("Amazon.com.tr", "TRY", "tr_TR", "www.amazon.com.tr"),
    "SA": ("Amazon.sa", "SAR", "ar_AE", "www.amazon.sa"),
    "AE": ("Amazon.ae", "AED", "en_AE", "www.amazon.ae"),
    "IN": ("Amazon.in", "INR", "en_IN", "www.amazon.in"),
    "SG": ("Amazon.sg", "SGD", "en_SG", "www.amazon.sg"),
    "AU": ("Amazon.com.au", "AUD", "en_AU", "www.amazon.com.au"),
    "JP": ("Amazon.co.jp", "JPY", "ja_JP", "www.amazon.co.jp"),
}


# marketplace ID -> Marketplace. _endpoints knows the United Kingdom under both codes,
# with one ID; the index keeps "UK", the code of MARKETPLACE_DETAILS.
MARKETPLACE_BY_ID = {m.marketplace_id: m for m in MARKETPLACES.values() if m.code != "GB"}

# The catalogue every marketplace of the mock has: one product, listed by every seller.
CATALOGUE_ASIN = "B0MOCK0001"
LISTING_SKU = "MOCK-MUG-350"
PRODUCT_NAME = "Mock Coffee Mug, 350 ml"
PRODUCT_TYPE = "DRINKING_CUP"
# The one notification subscription of every partner, and its destination.
NOTIFICATION_TYPE = "ANY_OFFER_CHANGED"
DESTINATION_ID = "3acafc7e-121b-1329-8ae8-00000000mock"
SQS_ARN = "arn:aws:sqs:us-east-1:123456789012:spapi-docs-mock-notifications"

# The account the sandbox hosts answer about, whoever calls.
SANDBOX_PARTNER = Partner("mock-sandbox", "Sandbox Store", "seller", "NA", ("US",))

_TIME = "2026-11-27T09:30:00Z"


class InvalidParameter(ValueError):
    """A parameter value the service rejects (400 InvalidInput naming it)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class Call:
    """What a builder answers about."""

    partner: Partner
    region: str
    # Requested marketplace IDs, or the partner's own in the region.
    marketplace_ids: tuple
    path: dict = field(default_factory=dict)
    # name -> list of values, as parse_qs gives them.
    query: dict = field(default_factory=dict)
    # The parsed JSON body (a POST's), whatever its shape: each builder reads what it needs.
    body: Any = None
    # The authorisation (or app, for a grantless token) the call is made for: seeds the
    # values that differ per caller, such as a Restricted Data Token.
    principal: str = ""
    sandbox: bool = False

    def names(self, name: str, known: str) -> bool:
        """Whether path parameter ``name`` names the ``known`` resource (any value does, in
        the sandbox)."""
        return self.sandbox or self.path.get(name) == known

    def first(self, name: str, default: str = "") -> str:
        values = self.query.get(name) or [default]
        return values[0]


def _country_code(code: str) -> str:
    # python-amazon-sp-api calls the United Kingdom "UK"; Amazon's payloads say "GB".
    return "GB" if code == "UK" else code


def _code(marketplace_id: str) -> str:
    known = MARKETPLACE_BY_ID.get(marketplace_id)
    return known.code if known else "US"


def _currency(marketplace_id: str) -> str:
    return MARKETPLACE_DETAILS[_code(marketplace_id)][1]


def _marketplace(code: str) -> dict:
    name, currency, language, domain = MARKETPLACE_DETAILS[code]
    return {
        "id": MARKETPLACES[code].marketplace_id,
        "name": name,
        "countryCode": _country_code(code),
        "defaultCurrencyCode": currency,
        "defaultLanguageCode": language,
        "domainName": domain,
    }


def participations(partner: Partner, region: str) -> list:
    """getMarketplaceParticipations' payload: the partner's marketplaces in ``region``."""
    return [
        {
            "marketplace": _marketplace(code),
            "storeName": partner.store_name,
            "participation": {"isParticipating": True, "hasSuspendedListings": False},
        }
        for code in partner.marketplaces_in(region)
    ]


# The Sellers model's sandbox example, verbatim (sellers.json, x-amzn-api-sandbox).
_SANDBOX_PARTICIPATIONS = [
    {
        "marketplace": {
            "id": "ATVPDKIKX0DER",
            "countryCode": "US",
            "name": "Amazon.com",
            "defaultCurrencyCode": "USD",
            "defaultLanguageCode": "en_US",
            "domainName": "www.amazon.com",
        },
        "storeName": "BestSellerStore",
        "participation": {"isParticipating": True, "hasSuspendedListings": False},
    }
]


# ---------------------------------------------------------------------- Sellers
def _participations(call: Call) -> dict:
    if call.sandbox:
        return {"payload": _SANDBOX_PARTICIPATIONS}
    return {"payload": participations(call.partner, call.region)}


def _account(call: Call) -> dict:
    return {
        "payload": {
            "marketplaceParticipationList": participations(call.partner, call.region),
            "businessType": "PRIVATE_LIMITED",
            "sellingPlan": "PROFESSIONAL",
            "business": {
                "name": f"{call.partner.store_name} Ltd",
                "registeredBusinessAddress": {
                    "addressLine1": "1 Mock Street",
                    "countryCode": _country_code(call.partner.marketplaces[0]),
                    "city": "Mockton",
                    "postalCode": "00000",
                },
            },
        }
    }


# ---------------------------------------------------------------------- Orders
def _order_v0(call: Call, marketplace_id: str) -> dict:
    return {
        "AmazonOrderId": call.path.get("orderId", call.partner.order_id),
        "PurchaseDate": "2026-11-26T18:02:11Z",
        "LastUpdateDate": "2026-11-27T08:15:42Z",
        "OrderStatus": "Shipped",
        "FulfillmentChannel": "MFN",
        "SalesChannel": MARKETPLACE_DETAILS[_code(marketplace_id)][0],
        "ShipServiceLevel": "Std US D2D Dom",
        "OrderTotal": {"CurrencyCode": _currency(marketplace_id), "Amount": "24.99"},
        "NumberOfItemsShipped": 1,
        "NumberOfItemsUnshipped": 0,
        "PaymentMethod": "Other",
        "PaymentMethodDetails": ["Standard"],
        "MarketplaceId": marketplace_id,
        "ShipmentServiceLevelCategory": "Standard",
        "OrderType": "StandardOrder",
        "EarliestShipDate": "2026-11-27T08:00:00Z",
        "LatestShipDate": "2026-11-28T07:59:59Z",
        "IsBusinessOrder": False,
        "IsPrime": False,
        "IsPremiumOrder": False,
        "IsGlobalExpressEnabled": False,
        "IsReplacementOrder": False,
        "IsSoldByAB": False,
        "IsISPU": False,
        "IsAccessPointOrder": False,
        "HasRegulatedItems": False,
    }


def _orders_v0(call: Call) -> dict:
    return {
        "payload": {
            "Orders": [_order_v0(call, call.marketplace_ids[0])],
            "CreatedBefore": "2026-11-28T11:58:00Z",
        }
    }


def _get_order_v0(call: Call) -> dict | None:
    if not call.names("orderId", call.partner.order_id):
        return None
    return {"payload": _order_v0(call, call.marketplace_ids[0])}


def _order_2026(call: Call, marketplace_id: str) -> dict:
    currency = _currency(marketplace_id)
    return {
        "orderId": call.path.get("orderId", call.partner.order_id),
        "createdTime": "2026-11-26T18:02:11Z",
        "lastUpdatedTime": "2026-11-27T08:15:42Z",
        "salesChannel": {
            "channelName": "AMAZON",
            "marketplaceId": marketplace_id,
            "marketplaceName": MARKETPLACE_DETAILS[_code(marketplace_id)][0],
        },
        "fulfillment": {"fulfillmentStatus": "SHIPPED", "fulfilledBy": "MERCHANT"},
        "orderItems": [
            {
                "orderItemId": "00000000000001",
                "quantityOrdered": 1,
                "product": {
                    "asin": CATALOGUE_ASIN,
                    "title": PRODUCT_NAME,
                    "sellerSku": LISTING_SKU,
                    "price": {"unitPrice": {"amount": "24.99", "currencyCode": currency}},
                },
            }
        ],
    }


def _search_orders(call: Call) -> dict:
    return {
        "orders": [_order_2026(call, call.marketplace_ids[0])],
        "createdBefore": "2026-11-28T11:58:00Z",
    }


def _get_order_2026(call: Call) -> dict | None:
    if not call.names("orderId", call.partner.order_id):
        return None
    return {"order": _order_2026(call, call.marketplace_ids[0])}


# ---------------------------------------------------------------------- Catalogue, listings
def _catalog_item(marketplace_ids) -> dict:
    return {
        "asin": CATALOGUE_ASIN,
        "summaries": [
            {
                "marketplaceId": marketplace_id,
                "brand": "Mock Brand",
                "itemName": PRODUCT_NAME,
                "manufacturer": "Mock Manufacturing",
            }
            for marketplace_id in marketplace_ids
        ],
    }


def _search_catalog(call: Call) -> dict:
    return {
        "numberOfResults": 1,
        "pagination": {},
        "refinements": {
            "brands": [{"numberOfResults": 1, "brandName": "Mock Brand"}],
            "classifications": [],
        },
        "items": [_catalog_item(call.marketplace_ids[:1])],
    }


def _get_catalog_item(call: Call) -> dict | None:
    if not call.names("asin", CATALOGUE_ASIN):
        return None
    return _catalog_item(call.marketplace_ids[:1])


def _listing(call: Call) -> dict:
    marketplace_id = call.marketplace_ids[0]
    return {
        "sku": LISTING_SKU,
        "summaries": [
            {
                "marketplaceId": marketplace_id,
                "asin": CATALOGUE_ASIN,
                "productType": PRODUCT_TYPE,
                "conditionType": "new_new",
                "status": ["BUYABLE", "DISCOVERABLE"],
                "itemName": PRODUCT_NAME,
                "createdDate": "2026-03-02T10:00:00Z",
                "lastUpdatedDate": _TIME,
            }
        ],
        "offers": [
            {
                "marketplaceId": marketplace_id,
                "offerType": "B2C",
                "price": {"currencyCode": _currency(marketplace_id), "amount": "24.99"},
            }
        ],
    }


def _check_seller_id(call: Call) -> None:
    # jlevers/selling-partner-api#232: a seller ID that is not the caller's is an input error.
    if not call.names("sellerId", call.partner.selling_partner_id):
        raise InvalidParameter("sellerId")


def _get_listing(call: Call) -> dict | None:
    _check_seller_id(call)
    if not call.names("sku", LISTING_SKU):
        return None
    return _listing(call)


def _search_listings(call: Call) -> dict:
    _check_seller_id(call)
    return {"numberOfResults": 1, "pagination": {}, "items": [_listing(call)]}


def _product_types(call: Call) -> dict:
    return {
        "productTypes": [
            {
                "name": PRODUCT_TYPE,
                "displayName": "Drinking Cup",
                "marketplaceIds": list(call.marketplace_ids),
            }
        ],
        "productTypeVersion": "U1.0",
    }


# ---------------------------------------------------------------------- Fulfilment
def _fba_inventory(call: Call) -> dict:
    return {
        "payload": {
            "granularity": {
                "granularityType": "Marketplace",
                "granularityId": call.marketplace_ids[0],
            },
            "inventorySummaries": [
                {
                    "asin": CATALOGUE_ASIN,
                    "fnSku": "X00MOCK001",
                    "sellerSku": LISTING_SKU,
                    "condition": "NewItem",
                    "lastUpdatedTime": _TIME,
                    "productName": PRODUCT_NAME,
                    "totalQuantity": 42,
                }
            ],
        },
        "pagination": {},
    }


def _awd_inventory(call: Call) -> dict:
    return {
        "inventory": [{"sku": LISTING_SKU, "totalInboundQuantity": 0, "totalOnhandQuantity": 120}]
    }


# ---------------------------------------------------------------------- Reports, feeds, queries
def _reports(call: Call) -> dict:
    return {
        "reports": [
            {
                "reportId": "50012019001",
                "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
                "dataStartTime": "2026-11-20T00:00:00Z",
                "dataEndTime": "2026-11-27T00:00:00Z",
                "createdTime": "2026-11-27T01:00:00Z",
                "processingStatus": "DONE",
                "processingStartTime": "2026-11-27T01:00:05Z",
                "processingEndTime": "2026-11-27T01:02:31Z",
                "reportDocumentId": "amzn1.spdoc.1.4.na.MOCK0000-0000-0000-0000-000000000001",
                "marketplaceIds": list(call.marketplace_ids),
            }
        ],
    }


def _feeds(call: Call) -> dict:
    return {
        "feeds": [
            {
                "feedId": "50014019001",
                "feedType": "JSON_LISTINGS_FEED",
                "marketplaceIds": list(call.marketplace_ids),
                "createdTime": "2026-11-26T15:00:00Z",
                "processingStatus": "DONE",
                "processingStartTime": "2026-11-26T15:00:04Z",
                "processingEndTime": "2026-11-26T15:03:12Z",
                "resultFeedDocumentId": "amzn1.tortuga.4.na.MOCK0000-0000-0000-0000-000000000002",
            }
        ],
    }


def _queries(call: Call) -> dict:
    return {
        "queries": [
            {
                "queryId": "50016019001",
                "query": "query { analytics_salesAndTraffic_2024_04_24 { __typename } }",
                "createdTime": "2026-11-25T06:00:00Z",
                "processingStatus": "DONE",
                "processingStartTime": "2026-11-25T06:00:03Z",
                "processingEndTime": "2026-11-25T06:04:40Z",
                "dataDocumentId": "MOCK-DATA-DOCUMENT-0001",
            }
        ],
        "pagination": {},
    }


# ---------------------------------------------------------------------- Finances
def _financial_event_groups(call: Call) -> dict:
    currency = _currency(call.marketplace_ids[0])
    return {
        "payload": {
            "FinancialEventGroupList": [
                {
                    "FinancialEventGroupId": "MOCKxGroupx0001",
                    "ProcessingStatus": "Closed",
                    "FundTransferStatus": "Succeeded",
                    "OriginalTotal": {"CurrencyCode": currency, "CurrencyAmount": 1234.56},
                    "FundTransferDate": "2026-11-20T10:00:00Z",
                    "TraceId": "MOCK-TRACE-0001",
                    "BeginningBalance": {"CurrencyCode": currency, "CurrencyAmount": 0.0},
                    "FinancialEventGroupStart": "2026-11-06T10:00:00Z",
                    "FinancialEventGroupEnd": "2026-11-20T10:00:00Z",
                }
            ],
        }
    }


def _transactions(call: Call) -> dict:
    marketplace_id = call.first("marketplaceId") or call.marketplace_ids[0]
    return {
        "payload": {
            "transactions": [
                {
                    "sellingPartnerMetadata": {
                        "sellingPartnerId": call.partner.selling_partner_id,
                        "accountType": "PAYABLE",
                        "marketplaceId": marketplace_id,
                    },
                    "relatedIdentifiers": [
                        {
                            "relatedIdentifierName": "ORDER_ID",
                            "relatedIdentifierValue": call.partner.order_id,
                        }
                    ],
                    "transactionType": "Shipment",
                    "transactionId": "MOCK-TRANSACTION-0001",
                    "transactionStatus": "RELEASED",
                    "description": "Order Payment",
                    "postedDate": "2026-11-27T03:35:13Z",
                    "totalAmount": {
                        "currencyAmount": 24.99,
                        "currencyCode": _currency(marketplace_id),
                    },
                    "marketplaceDetails": {
                        "marketplaceId": marketplace_id,
                        "marketplaceName": MARKETPLACE_DETAILS[_code(marketplace_id)][0],
                    },
                }
            ]
        }
    }


def _fees_estimate(call: Call) -> dict | None:
    if not call.names("Asin", CATALOGUE_ASIN):
        return None
    request = call.body["FeesEstimateRequest"]
    price = request["PriceToEstimateFees"]
    currency = price["ListingPrice"]["CurrencyCode"]
    fee = round(float(price["ListingPrice"]["Amount"]) * 0.15, 2)
    return {
        "payload": {
            "FeesEstimateResult": {
                "Status": "Success",
                "FeesEstimateIdentifier": {
                    "MarketplaceId": request["MarketplaceId"],
                    "SellerId": call.partner.selling_partner_id,
                    "IdType": "ASIN",
                    "IdValue": call.path.get("Asin", CATALOGUE_ASIN),
                    "IsAmazonFulfilled": bool(request.get("IsAmazonFulfilled", False)),
                    "PriceToEstimateFees": price,
                    "SellerInputIdentifier": request["Identifier"],
                },
                "FeesEstimate": {
                    "TimeOfFeesEstimation": _TIME,
                    "TotalFeesEstimate": {"CurrencyCode": currency, "Amount": fee},
                    "FeeDetailList": [
                        {
                            "FeeType": "ReferralFee",
                            "FeeAmount": {"CurrencyCode": currency, "Amount": fee},
                            "FinalFee": {"CurrencyCode": currency, "Amount": fee},
                        }
                    ],
                },
            }
        }
    }


# ---------------------------------------------------------------------- Pricing, sales
def _pricing(call: Call) -> dict:
    marketplace_id = call.first("MarketplaceId") or call.marketplace_ids[0]
    by_sku = call.first("ItemType") == "Sku"
    identifiers = [
        value
        for raw in call.query.get("Skus" if by_sku else "Asins", ())
        for value in raw.split(",")
        if value
    ]
    prices = []
    for identifier in identifiers:
        known = identifier == (LISTING_SKU if by_sku else CATALOGUE_ASIN)
        price: dict[str, Any] = {"status": "Success" if known else "ClientError"}
        price["SellerSKU" if by_sku else "ASIN"] = identifier
        if known:
            product: dict[str, Any] = {
                "MarketplaceASIN": {"MarketplaceId": marketplace_id, "ASIN": CATALOGUE_ASIN}
            }
            if by_sku:
                product["SKUIdentifier"] = {
                    "MarketplaceId": marketplace_id,
                    "SellerId": call.partner.selling_partner_id,
                    "SellerSKU": LISTING_SKU,
                }
            price["Product"] = {"Identifiers": product}
        prices.append(price)
    return {"payload": prices}


def _competitive_summary(call: Call) -> dict:
    return {
        "responses": [
            {
                "status": {"statusCode": 200, "reasonPhrase": "OK"},
                "body": {"asin": request["asin"], "marketplaceId": request["marketplaceId"]},
            }
            for request in call.body["requests"]
        ]
    }


def _featured_offer_prices(call: Call) -> dict:
    responses = []
    for request in call.body["requests"]:
        known = request["sku"] == LISTING_SKU
        response = {
            "status": {"statusCode": 200, "reasonPhrase": "OK"}
            if known
            else {"statusCode": 404, "reasonPhrase": "Not Found"},
            "headers": {},
            "request": {"marketplaceId": request["marketplaceId"], "sku": request["sku"]},
        }
        if known:
            response["body"] = {
                "offerIdentifier": {
                    "marketplaceId": request["marketplaceId"],
                    "sellerId": call.partner.selling_partner_id,
                    "sku": LISTING_SKU,
                    "asin": CATALOGUE_ASIN,
                },
                "featuredOfferExpectedPriceResults": [{"resultStatus": "VALID_FOEP"}],
            }
        responses.append(response)
    return {"responses": responses}


def _order_metrics(call: Call) -> dict:
    currency = _currency(call.marketplace_ids[0])
    return {
        "payload": [
            {
                "interval": call.first("interval"),
                "unitCount": 3,
                "orderItemCount": 3,
                "orderCount": 2,
                "averageUnitPrice": {"currencyCode": currency, "amount": "24.99"},
                "totalSales": {"currencyCode": currency, "amount": "74.97"},
            }
        ]
    }


# ---------------------------------------------------------------------- Notifications, tokens
def _subscription(call: Call) -> dict | None:
    if not call.names("notificationType", NOTIFICATION_TYPE):
        return None
    return {
        "payload": {
            "subscriptionId": "7fcacc7e-727b-11e9-8848-00000000mock",
            "payloadVersion": call.first("payloadVersion", "1.0"),
            "destinationId": DESTINATION_ID,
        }
    }


def _destinations(call: Call) -> dict:
    return {
        "payload": [
            {
                "name": "spapi-docs mock queue",
                "destinationId": DESTINATION_ID,
                "resource": {"sqs": {"arn": SQS_ARN}},
            }
        ]
    }


def _restricted_data_token(call: Call) -> dict:
    resources = ",".join(
        f"{item['method']} {item['path']}" for item in call.body["restrictedResources"]
    )
    seed = hashlib.sha256(f"{call.principal}|{resources}".encode()).hexdigest()
    return {"restrictedDataToken": _samples.restricted_data_token(seed), "expiresIn": 3600}


# ---------------------------------------------------------------------- Vendors
def _purchase_orders(call: Call) -> dict:
    return {
        "payload": {
            "orders": [
                {"purchaseOrderNumber": call.partner.order_id, "purchaseOrderState": "Acknowledged"}
            ]
        }
    }


def _purchase_order_statuses(call: Call) -> dict:
    return {
        "payload": {
            "ordersStatus": [
                {
                    "purchaseOrderNumber": call.partner.order_id,
                    "purchaseOrderStatus": "OPEN",
                    "purchaseOrderDate": "2026-11-24T08:00:00Z",
                    "lastUpdatedDate": _TIME,
                    "sellingParty": {"partyId": "MOCKV"},
                    "shipToParty": {"partyId": "MOCK1"},
                    "itemStatus": [
                        {"itemSequenceNumber": "1", "buyerProductIdentifier": CATALOGUE_ASIN}
                    ],
                }
            ]
        }
    }


# role model key ("API name:operation") -> builder of the answer.
BUILDERS = {
    "Sellers API v1:getMarketplaceParticipations": _participations,
    "Sellers API v1:getAccount": _account,
    "Orders API v0:getOrders": _orders_v0,
    "Orders API v0:getOrder": _get_order_v0,
    "Orders API v2026-01-01:searchOrders": _search_orders,
    "Orders API v2026-01-01:getOrder": _get_order_2026,
    "Catalog Items API v2022-04-01:searchCatalogItems": _search_catalog,
    "Catalog Items API v2022-04-01:getCatalogItem": _get_catalog_item,
    "Listings Items API v2021-08-01:getListingsItem": _get_listing,
    "Listings Items API v2021-08-01:searchListingsItems": _search_listings,
    "FBA Inventory API v1:getInventorySummaries": _fba_inventory,
    "Reports API v2021-06-30:getReports": _reports,
    "Feeds API v2021-06-30:getFeeds": _feeds,
    "Finances API v0:listFinancialEventGroups": _financial_event_groups,
    "Finances API v2024-06-19:listTransactions": _transactions,
    "Product Pricing API v0:getPricing": _pricing,
    "Product Pricing API v2022-05-01:getCompetitiveSummary": _competitive_summary,
    "Product Pricing API v2022-05-01:getFeaturedOfferExpectedPriceBatch": _featured_offer_prices,
    "Notifications API v1:getSubscription": _subscription,
    "Notifications API v1:getDestinations": _destinations,
    "Tokens API v2021-03-01:createRestrictedDataToken": _restricted_data_token,
    "Data Kiosk API v2023-11-15:getQueries": _queries,
    "Vendor Retail Procurement Orders API v1:getPurchaseOrders": _purchase_orders,
    "Vendor Retail Procurement Orders API v1:getPurchaseOrdersStatus": _purchase_order_statuses,
    "Amazon Warehousing and Distribution API v2024-05-09:listInventory": _awd_inventory,
    "Product Type Definitions API v2020-09-01:searchDefinitionsProductTypes": _product_types,
    "Sales API v1:getOrderMetrics": _order_metrics,
    "Product Fees API v0:getMyFeesEstimateForASIN": _fees_estimate,
}
