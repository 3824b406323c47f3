"""Reference data for Issuing: merchant categories with their MCC codes, and ISO country codes.

``MERCHANT_CATEGORIES`` is Stripe's category list exactly as the API spec enumerates it (the
``allowed_categories`` enum, 295 values). ``MCC_BY_CATEGORY`` maps each category to the 4-digit
Merchant Category Code listed on Stripe's "Issuing merchant categories" page
(docs.stripe.com/issuing/categories), cross-checked against two independent public copies of that
table. ``miscellaneous`` has no MCC of its own (Stripe uses it for merchants that fit no category),
so it is absent from the mapping and :func:`category_code` returns ``None`` for it.

``COUNTRY_CODES`` holds the ISO 3166-1 alpha-2 codes (plus ``XK``, Kosovo, which Stripe accepts).
"""

from __future__ import annotations

from functools import cache

from emulator.http.params import load_spec

MCC_BY_CATEGORY: dict[str, str] = {
    "ac_refrigeration_repair": "7623", "accounting_bookkeeping_services": "8931", "advertising_services": "7311",
    "agricultural_cooperative": "0763", "airlines_air_carriers": "4511", "airports_flying_fields": "4582",
    "ambulance_services": "4119", "amusement_parks_carnivals": "7996", "antique_reproductions": "5937",
    "antique_shops": "5932", "aquariums": "7998", "architectural_surveying_services": "8911",
    "art_dealers_and_galleries": "5971", "artists_supply_and_craft_shops": "5970",
    "auto_and_home_supply_stores": "5531", "auto_body_repair_shops": "7531", "auto_paint_shops": "7535",
    "auto_service_shops": "7538", "automated_cash_disburse": "6011", "automated_fuel_dispensers": "5542",
    "automobile_associations": "8675", "automotive_parts_and_accessories_stores": "5533",
    "automotive_tire_stores": "5532", "bail_and_bond_payments": "9223", "bakeries": "5462",
    "bands_orchestras": "7929", "barber_and_beauty_shops": "7230", "betting_casino_gambling": "7995",
    "bicycle_shops": "5940", "billiard_pool_establishments": "7932", "boat_dealers": "5551",
    "boat_rentals_and_leases": "4457", "book_stores": "5942", "books_periodicals_and_newspapers": "5192",
    "bowling_alleys": "7933", "bus_lines": "4131", "business_secretarial_schools": "8244",
    "buying_shopping_services": "7278", "cable_satellite_and_other_pay_television_and_radio": "4899",
    "camera_and_photographic_supply_stores": "5946", "candy_nut_and_confectionery_stores": "5441",
    "car_and_truck_dealers_new_used": "5511", "car_and_truck_dealers_used_only": "5521",
    "car_rental_agencies": "7512", "car_washes": "7542", "carpentry_services": "1750",
    "carpet_upholstery_cleaning": "7217", "caterers": "5811",
    "charitable_and_social_service_organizations_fundraising": "8398", "chemicals_and_allied_products": "5169",
    "child_care_services": "8351", "childrens_and_infants_wear_stores": "5641", "chiropodists_podiatrists": "8049",
    "chiropractors": "8041", "cigar_stores_and_stands": "5993", "civic_social_fraternal_associations": "8641",
    "cleaning_and_maintenance": "7349", "clothing_rental": "7296", "colleges_universities": "8220",
    "commercial_equipment": "5046", "commercial_footwear": "5139", "commercial_photography_art_and_graphics": "7333",
    "commuter_transport_and_ferries": "4111", "computer_network_services": "4816", "computer_programming": "7372",
    "computer_repair": "7379", "computer_software_stores": "5734", "computers_peripherals_and_software": "5045",
    "concrete_work_services": "1771", "construction_materials": "5039", "consulting_public_relations": "7392",
    "correspondence_schools": "8241", "cosmetic_stores": "5977", "counseling_services": "7277",
    "country_clubs": "7997", "courier_services": "4215", "court_costs": "9211", "credit_reporting_agencies": "7321",
    "cruise_lines": "4411", "dairy_products_stores": "5451", "dance_hall_studios_schools": "7911",
    "dating_escort_services": "7273", "dentists_orthodontists": "8021", "department_stores": "5311",
    "detective_agencies": "7393", "digital_goods_applications": "5817", "digital_goods_games": "5816",
    "digital_goods_large_volume": "5818", "digital_goods_media": "5815", "direct_marketing_catalog_merchant": "5964",
    "direct_marketing_combination_catalog_and_retail_merchant": "5965",
    "direct_marketing_inbound_telemarketing": "5967", "direct_marketing_insurance_services": "5960",
    "direct_marketing_other": "5969", "direct_marketing_outbound_telemarketing": "5966",
    "direct_marketing_subscription": "5968", "direct_marketing_travel": "5962", "discount_stores": "5310",
    "doctors": "8011", "door_to_door_sales": "5963", "drapery_window_covering_and_upholstery_stores": "5714",
    "drinking_places": "5813", "drug_stores_and_pharmacies": "5912",
    "drugs_drug_proprietaries_and_druggist_sundries": "5122", "dry_cleaners": "7216", "durable_goods": "5099",
    "duty_free_stores": "5309", "eating_places_restaurants": "5812", "educational_services": "8299",
    "electric_razor_stores": "5997", "electric_vehicle_charging": "5552", "electrical_parts_and_equipment": "5065",
    "electrical_services": "1731", "electronics_repair_shops": "7622", "electronics_stores": "5732",
    "elementary_secondary_schools": "8211", "emergency_services_gcas_visa_use_only": "9702",
    "employment_temp_agencies": "7361", "equipment_rental": "7394", "exterminating_services": "7342",
    "family_clothing_stores": "5651", "fast_food_restaurants": "5814", "financial_institutions": "6012",
    "fines_government_administrative_entities": "9222", "fireplace_fireplace_screens_and_accessories_stores": "5718",
    "floor_covering_stores": "5713", "florists": "5992", "florists_supplies_nursery_stock_and_flowers": "5193",
    "freezer_and_locker_meat_provisioners": "5422", "fuel_dealers_non_automotive": "5983",
    "funeral_services_crematories": "7261",
    "furniture_home_furnishings_and_equipment_stores_except_appliances": "5712",
    "furniture_repair_refinishing": "7641", "furriers_and_fur_shops": "5681", "general_services": "1520",
    "gift_card_novelty_and_souvenir_shops": "5947", "glass_paint_and_wallpaper_stores": "5231",
    "glassware_crystal_stores": "5950", "golf_courses_public": "7992",
    "government_licensed_horse_dog_racing_us_region_only": "7802",
    "government_licensed_online_casions_online_gambling_us_region_only": "7801",
    "government_owned_lotteries_non_us_region": "9406", "government_owned_lotteries_us_region_only": "7800",
    "government_services": "9399", "grocery_stores_supermarkets": "5411", "hardware_equipment_and_supplies": "5072",
    "hardware_stores": "5251", "health_and_beauty_spas": "7298", "hearing_aids_sales_and_supplies": "5975",
    "heating_plumbing_a_c": "1711", "hobby_toy_and_game_shops": "5945", "home_supply_warehouse_stores": "5200",
    "hospitals": "8062", "hotels_motels_and_resorts": "7011", "household_appliance_stores": "5722",
    "industrial_supplies": "5085", "information_retrieval_services": "7375", "insurance_default": "6399",
    "insurance_underwriting_premiums": "6300", "intra_company_purchases": "9950",
    "jewelry_stores_watches_clocks_and_silverware_stores": "5944", "landscaping_services": "0780",
    "laundries": "7211", "laundry_cleaning_services": "7210", "legal_services_attorneys": "8111",
    "luggage_and_leather_goods_stores": "5948", "lumber_building_materials_stores": "5211",
    "manual_cash_disburse": "6010", "marinas_service_and_supplies": "4468", "marketplaces": "5262",
    "masonry_stonework_and_plaster": "1740", "massage_parlors": "7297", "medical_and_dental_labs": "8071",
    "medical_dental_ophthalmic_and_hospital_equipment_and_supplies": "5047", "medical_services": "8099",
    "membership_organizations": "8699", "mens_and_boys_clothing_and_accessories_stores": "5611",
    "mens_womens_clothing_stores": "5691", "metal_service_centers": "5051",
    "miscellaneous_apparel_and_accessory_shops": "5699", "miscellaneous_auto_dealers": "5599",
    "miscellaneous_business_services": "7399", "miscellaneous_food_stores": "5499",
    "miscellaneous_general_merchandise": "5399", "miscellaneous_general_services": "7299",
    "miscellaneous_home_furnishing_specialty_stores": "5719", "miscellaneous_publishing_and_printing": "2741",
    "miscellaneous_recreation_services": "7999", "miscellaneous_repair_shops": "7699",
    "miscellaneous_specialty_retail": "5999", "mobile_home_dealers": "5271", "motion_picture_theaters": "7832",
    "motor_freight_carriers_and_trucking": "4214", "motor_homes_dealers": "5592",
    "motor_vehicle_supplies_and_new_parts": "5013", "motorcycle_shops_and_dealers": "5571",
    "motorcycle_shops_dealers": "5561", "music_stores_musical_instruments_pianos_and_sheet_music": "5733",
    "news_dealers_and_newsstands": "5994", "non_fi_money_orders": "6051",
    "non_fi_stored_value_card_purchase_load": "6540", "nondurable_goods": "5199",
    "nurseries_lawn_and_garden_supply_stores": "5261", "nursing_personal_care": "8050",
    "office_and_commercial_furniture": "5021", "opticians_eyeglasses": "8043",
    "optometrists_ophthalmologist": "8042", "orthopedic_goods_prosthetic_devices": "5976", "osteopaths": "8031",
    "package_stores_beer_wine_and_liquor": "5921", "paints_varnishes_and_supplies": "5198",
    "parking_lots_garages": "7523", "passenger_railways": "4112", "pawn_shops": "5933",
    "pet_shops_pet_food_and_supplies": "5995", "petroleum_and_petroleum_products": "5172",
    "photo_developing": "7395", "photographic_photocopy_microfilm_equipment_and_supplies": "5044",
    "photographic_studios": "7221", "picture_video_production": "7829",
    "piece_goods_notions_and_other_dry_goods": "5131", "plumbing_heating_equipment_and_supplies": "5074",
    "political_organizations": "8651", "postal_services_government_only": "9402",
    "precious_stones_and_metals_watches_and_jewelry": "5094", "professional_services": "8999",
    "public_warehousing_and_storage": "4225", "quick_copy_repro_and_blueprint": "7338", "railroads": "4011",
    "real_estate_agents_and_managers_rentals": "6513", "record_stores": "5735",
    "recreational_vehicle_rentals": "7519", "religious_goods_stores": "5973", "religious_organizations": "8661",
    "roofing_siding_sheet_metal": "1761", "secretarial_support_services": "7339", "security_brokers_dealers": "6211",
    "service_stations": "5541", "sewing_needlework_fabric_and_piece_goods_stores": "5949",
    "shoe_repair_hat_cleaning": "7251", "shoe_stores": "5661", "small_appliance_repair": "7629",
    "snowmobile_dealers": "5598", "special_trade_services": "1799", "specialty_cleaning": "2842",
    "sporting_goods_stores": "5941", "sporting_recreation_camps": "7032", "sports_and_riding_apparel_stores": "5655",
    "sports_clubs_fields": "7941", "stamp_and_coin_stores": "5972",
    "stationary_office_supplies_printing_and_writing_paper": "5111",
    "stationery_stores_office_and_school_supply_stores": "5943", "swimming_pools_sales": "5996",
    "t_ui_travel_germany": "4723", "tailors_alterations": "5697", "tax_payments_government_agencies": "9311",
    "tax_preparation_services": "7276", "taxicabs_limousines": "4121",
    "telecommunication_equipment_and_telephone_sales": "4812", "telecommunication_services": "4814",
    "telegraph_services": "4821", "tent_and_awning_shops": "5998", "testing_laboratories": "8734",
    "theatrical_ticket_agencies": "7922", "timeshares": "7012", "tire_retreading_and_repair": "7534",
    "tolls_bridge_fees": "4784", "tourist_attractions_and_exhibits": "7991", "towing_services": "7549",
    "trailer_parks_campgrounds": "7033", "transportation_services": "4789", "travel_agencies_tour_operators": "4722",
    "truck_stop_iteration": "7511", "truck_utility_trailer_rentals": "7513",
    "typesetting_plate_making_and_related_services": "2791", "typewriter_stores": "5978",
    "u_s_federal_government_agencies_or_departments": "9405", "uniforms_commercial_clothing": "5137",
    "used_merchandise_and_secondhand_stores": "5931", "utilities": "4900", "variety_stores": "5331",
    "veterinary_services": "0742", "video_amusement_game_supplies": "7993", "video_game_arcades": "7994",
    "video_tape_rental_stores": "7841", "vocational_trade_schools": "8249", "watch_jewelry_repair": "7631",
    "welding_repair": "7692", "wholesale_clubs": "5300", "wig_and_toupee_stores": "5698",
    "wires_money_orders": "4829", "womens_accessory_and_specialty_shops": "5631",
    "womens_ready_to_wear_stores": "5621", "wrecking_and_salvage_yards": "5935",
}

COUNTRY_CODES: frozenset[str] = frozenset(
    """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY
BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT
MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG
UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
""".split()
)


@cache
def merchant_categories() -> tuple[str, ...]:
    """Every merchant category Stripe accepts, in the spec's order."""
    schema = load_spec()["components"]["schemas"]["issuing_card_authorization_controls"]
    values: list[str] = schema["properties"]["allowed_categories"]["items"]["enum"]
    return tuple(values)


def category_code(category: str) -> str | None:
    """The 4-digit MCC of a merchant category (``None`` for ``miscellaneous`` or unknown names)."""
    return MCC_BY_CATEGORY.get(category)


def category_for_code(code: str) -> str:
    """The merchant category of an MCC; codes outside Stripe's table are ``miscellaneous``."""
    return _CATEGORY_BY_CODE.get(code, "miscellaneous")


_CATEGORY_BY_CODE: dict[str, str] = {code: name for name, code in MCC_BY_CATEGORY.items()}
