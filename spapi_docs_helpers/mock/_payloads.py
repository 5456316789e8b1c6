"""The data SP-API answers with: small, realistic, with each operation's real top-level
shape (field names from Amazon's models), and the same on every run.

Production hosts answer about the seller behind the token; the sandbox hosts answer the
canned payloads of the models' ``x-amzn-api-sandbox`` examples (the Sellers one is
copied from ``sellers.json``), whatever the seller.
"""

from __future__ import annotations

from .._endpoints import MARKETPLACES

__all__ = [
    "MARKETPLACE_BY_ID",
    "MARKETPLACE_DETAILS",
    "participations",
    "sandbox_payload",
    "seller_payload",
]

# code -> (name, currency, language, domain), as getMarketplaceParticipations reports them.
# The codes are python-amazon-sp-api's, as the world's sellers use them: the United Kingdom
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


def _country_code(code: str) -> str:
    # python-amazon-sp-api calls the United Kingdom "UK"; Amazon's payloads say "GB".
    return "GB" if code == "UK" else code


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


def participations(seller, region: str) -> list:
    """getMarketplaceParticipations' payload: the seller's marketplaces in ``region``."""
    return [
        {
            "marketplace": _marketplace(code),
            "storeName": seller.store_name,
            "participation": {"isParticipating": True, "hasSuspendedListings": False},
        }
        for code in seller.marketplaces_in(region)
    ]


_TIME = "2026-11-27T09:30:00Z"


def _orders(marketplace_ids):
    marketplace_id = marketplace_ids[0]
    known = MARKETPLACE_BY_ID.get(marketplace_id)
    code = known.code if known else "US"
    currency = MARKETPLACE_DETAILS[code][1]
    return {
        "payload": {
            "Orders": [
                {
                    "AmazonOrderId": "902-3159896-1390916",
                    "PurchaseDate": "2026-11-26T18:02:11Z",
                    "LastUpdateDate": "2026-11-27T08:15:42Z",
                    "OrderStatus": "Shipped",
                    "FulfillmentChannel": "MFN",
                    "SalesChannel": MARKETPLACE_DETAILS[code][0],
                    "ShipServiceLevel": "Std US D2D Dom",
                    "OrderTotal": {"CurrencyCode": currency, "Amount": "24.99"},
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
            ],
            "CreatedBefore": "2026-11-28T11:58:00Z",
        }
    }


def _catalog(marketplace_ids):
    return {
        "numberOfResults": 1,
        "pagination": {},
        "refinements": {
            "brands": [{"numberOfResults": 1, "brandName": "Mock Brand"}],
            "classifications": [],
        },
        "items": [
            {
                "asin": "B0MOCK0001",
                "summaries": [
                    {
                        "marketplaceId": marketplace_ids[0],
                        "brand": "Mock Brand",
                        "itemName": "Mock Coffee Mug, 350 ml",
                        "manufacturer": "Mock Manufacturing",
                    }
                ],
            }
        ],
    }


def _fba_inventory(marketplace_ids):
    return {
        "payload": {
            "granularity": {"granularityType": "Marketplace", "granularityId": marketplace_ids[0]},
            "inventorySummaries": [
                {
                    "asin": "B0MOCK0001",
                    "fnSku": "X00MOCK001",
                    "sellerSku": "MOCK-MUG-350",
                    "condition": "NewItem",
                    "lastUpdatedTime": _TIME,
                    "productName": "Mock Coffee Mug, 350 ml",
                    "totalQuantity": 42,
                }
            ],
        },
        "pagination": {},
    }


def _reports(marketplace_ids):
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
                "marketplaceIds": list(marketplace_ids),
            }
        ],
    }


def _financial_event_groups(marketplace_ids):
    currency = MARKETPLACE_DETAILS[MARKETPLACE_BY_ID[marketplace_ids[0]].code][1]
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


# operation -> builder of its payload, from the marketplace IDs the answer is about.
_BUILDERS = {
    "getOrders": _orders,
    "searchCatalogItems": _catalog,
    "getInventorySummaries": _fba_inventory,
    "getReports": _reports,
    "listFinancialEventGroups": _financial_event_groups,
}


def seller_payload(operation: str, seller, region: str, marketplace_ids: list) -> dict:
    """The production answer of ``operation`` for the seller behind the token: about the
    requested marketplaces, or the seller's own ones in ``region``."""
    if operation == "getMarketplaceParticipations":
        return {"payload": participations(seller, region)}
    own_ids = [MARKETPLACES[code].marketplace_id for code in seller.marketplaces_in(region)]
    return _BUILDERS[operation](list(marketplace_ids) or own_ids)


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


def sandbox_payload(operation: str) -> dict:
    """The sandbox's canned answer of ``operation`` (the same for every seller)."""
    if operation == "getMarketplaceParticipations":
        return {"payload": _SANDBOX_PARTICIPATIONS}
    return _BUILDERS[operation]([MARKETPLACES["US"].marketplace_id])
