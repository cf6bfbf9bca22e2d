# Citizen Wallet: every citizen-facing string the core produces, in English (the fallback).
# Keys are listed in crates/wallet/src/i18n/mod.rs; tests/i18n.rs checks that cy.ftl has the
# same keys and that every registry element, doc type, purpose and finding has one.
#
# Element labels: `<namespace prefix>-<identifier>` (iso = org.iso.18013.5.1,
# gb = org.iso.18013.5.1.GB, pid = eu.europa.ec.eudi.pid.1, ukid = uk.gov.digital-id.1).
# The value is the label; `.phrase` is the element as a noun phrase in a sentence, given only
# where "your " + the label with a lower-case first letter would be wrong.

## Document types

doc-mdl = Driving licence
    .phrase = your driving licence
doc-pid = EU personal ID
    .phrase = your EU personal ID
doc-ukid = UK digital ID
    .phrase = your UK digital ID
# A doc type the registry does not know: `$name` is its identifier.
doc-unknown = { $name }
    .phrase = your { $name } document

## org.iso.18013.5.1 (ISO/IEC 18013-5 Table 5)

iso-family_name = Family name
iso-given_name = Given names
iso-birth_date = Date of birth
iso-issue_date = Document issue date
iso-expiry_date = Document expiry date
iso-issuing_country = Issuing country
iso-issuing_authority = Issuing authority
iso-document_number = Document number
iso-portrait = Photo
iso-driving_privileges = Driving entitlements
iso-un_distinguishing_sign = UN distinguishing sign
    .phrase = your UN distinguishing sign
iso-administrative_number = Administrative number
iso-sex = Sex
iso-height = Height (cm)
iso-weight = Weight (kg)
iso-eye_colour = Eye colour
iso-hair_colour = Hair colour
iso-birth_place = Place of birth
iso-resident_address = Home address
iso-portrait_capture_date = Photo taken on
    .phrase = the date your photo was taken
iso-age_in_years = Age in years
    .phrase = your age in years
iso-age_birth_year = Year of birth
iso-age_over_NN = Over a given age
    .phrase = whether you are over a given age
iso-issuing_jurisdiction = Issuing jurisdiction
iso-nationality = Nationality
iso-resident_city = Town or city of residence
    .phrase = the town or city where you live
iso-resident_state = State or region of residence
    .phrase = the state or region where you live
iso-resident_postal_code = Postcode
iso-resident_country = Country of residence
    .phrase = the country where you live
iso-biometric_template_face = Face biometric template
iso-biometric_template_finger = Fingerprint template
iso-biometric_template_signature_sign = Signature template
iso-biometric_template_iris = Iris template
iso-family_name_national_character = Family name (national characters)
iso-given_name_national_character = Given names (national characters)
iso-signature_usual_mark = Signature

## org.iso.18013.5.1.GB

gb-title = Title
gb-welsh_licence = Welsh-language licence
    .phrase = whether your licence is in Welsh
gb-provisional_driving_privileges = Provisional entitlements
    .phrase = your provisional driving entitlements

## eu.europa.ec.eudi.pid.1

pid-family_name = Family name
pid-given_name = Given names
pid-birth_date = Date of birth
pid-age_over_NN = Over a given age
    .phrase = whether you are over a given age
pid-age_in_years = Age in years
    .phrase = your age in years
pid-age_birth_year = Year of birth
pid-family_name_birth = Family name at birth
pid-given_name_birth = Given names at birth
pid-place_of_birth = Place of birth
pid-birth_place = Place of birth
pid-birth_country = Country of birth
pid-birth_city = Town or city of birth
pid-resident_address = Home address
pid-resident_country = Country of residence
    .phrase = the country where you live
pid-resident_state = State or region of residence
    .phrase = the state or region where you live
pid-resident_city = Town or city of residence
    .phrase = the town or city where you live
pid-resident_postal_code = Postcode
pid-resident_street = Street
    .phrase = the street where you live
pid-resident_house_number = House number
pid-sex = Sex
pid-nationality = Nationality
pid-issuance_date = Issue date
    .phrase = the date your ID was issued
pid-expiry_date = Expiry date
    .phrase = the date your ID expires
pid-issuing_authority = Issuing authority
    .phrase = the authority that issued your ID
pid-document_number = Document number
pid-personal_administrative_number = Personal administrative number
pid-issuing_country = Issuing country
    .phrase = the country that issued your ID
pid-issuing_jurisdiction = Issuing jurisdiction
    .phrase = the jurisdiction that issued your ID
pid-portrait = Photo
pid-email_address = Email address
pid-mobile_phone_number = Mobile phone number

## uk.gov.digital-id.1

ukid-right_to_work = Right to work in the UK
ukid-right_to_work_expiry = Right to work ends on
    .phrase = the date your right to work ends
ukid-work_restrictions = Work restrictions
    .phrase = any restrictions on your work
ukid-max_weekly_hours = Maximum weekly working hours
    .phrase = the most hours a week you may work
ukid-immigration_status = Immigration status
ukid-national_insurance_number = National Insurance number
    .phrase = your National Insurance number

## Elements built from a value

# An age_over_NN attestation.
age-over = Over { $age }
    .phrase = whether you are over { $age }
# An element the registry does not know: `$label` is its identifier made readable.
item-your = your { $label }

## Verifier

verifier-unidentified = Unidentified verifier
trust-trusted = Verified (certificate issued by { $anchor })
trust-untrusted = Not verified: { $reason }
trust-not-authenticated = Did not identify itself

## Purposes

purpose-right_to_work = Right to work check
purpose-benefits = Benefits check
purpose-age_check = Age check (over { $age })
purpose-none = No recognised purpose
purpose-declared = declared by the verifier
purpose-inferred = inferred from the request

## Retention

retention-kept = Will be kept
retention-view-only = View only

## Minimisation findings ($purpose: right_to_work, benefits or age_check)

finding-not_in_profile = { $purpose ->
    [right_to_work] Not needed for a right to work check.
    [benefits] Not needed for a benefits check.
   *[age_check] Not needed for an age check.
}
finding-age_would_do = Your exact age is asked where a yes/no "over the age" answer would do.
finding-retention_not_needed = { $purpose ->
    [right_to_work] A right to work check only needs to see this, not keep it.
    [benefits] A benefits check only needs to see this, not keep it.
   *[age_check] An age check only needs to see this, not keep it.
}
finding-condition_not_met = Only needed for people who are not British or Irish citizens.
finding-no_purpose = No registered purpose covers this request.
finding-no_purpose-sensitive = No registered purpose covers this request, and this is sensitive information.
finding-excluded = { $purpose ->
    [right_to_work] This is not part of a right to work check.
    [benefits] This is not part of a benefits check.
   *[age_check] This is not part of an age check.
}
finding-excluded-right_to_work-iso-resident_address = An employer does not need your address to check your right to work.
finding-excluded-right_to_work-iso-resident_postal_code = An employer does not need your postcode to check your right to work.
finding-excluded-right_to_work-iso-resident_city = An employer does not need where you live to check your right to work.
finding-excluded-right_to_work-ukid-national_insurance_number = Your National Insurance number is not part of a right-to-work check.
finding-excluded-right_to_work-iso-driving_privileges = Driving entitlements are not part of a right-to-work check.
finding-excluded-benefits-iso-driving_privileges = Driving entitlements are not part of a benefits check.
finding-excluded-benefits-ukid-work_restrictions = Work restrictions are not part of a benefits check.

## Accessible rendering: each consent item as a complete sentence

a11y-request = { $verifier } is asking for information from { $document }.
a11y-trust-trusted = { $verifier }'s identity has been checked: its certificate was issued by { $anchor }.
a11y-trust-untrusted = Warning: { $verifier }'s identity could not be checked ({ $reason }). Do not share anything unless you are sure who is asking.
a11y-trust-not-authenticated = Warning: this verifier did not say who it is. Do not share anything unless you are sure who is asking.
a11y-purpose-declared = The reason they give is: { $purpose }.
a11y-purpose-inferred = They did not give a reason. The request looks like a { $purpose }.
a11y-purpose-none = They did not give a reason, and the request does not match any registered purpose.
a11y-shared-kept = { $item } will be shared with { $verifier } and kept by them.
a11y-shared-view = { $item } will be shown to { $verifier }, who say they will not keep it.
a11y-substitute = Instead of { $requested }, { $item } will be shared.
a11y-not-held = This wallet does not hold { $item }, so it cannot be shared.
a11y-sensitive = This is sensitive information.
a11y-finding = Warning: { $explanation }
a11y-recommended = The wallet suggests you share this.
a11y-not-recommended = The wallet suggests you do not share this.
a11y-choice = You choose what to share. Nothing is shared until you agree.

## Presentation history (one sentence per entry)

month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
date = { $day } { $month } { $year }
channel-proximity = in person, by QR code
channel-dc_api = online, through your browser
channel-openid4vp_dc_api = online, through your browser
channel-openid4vp_redirect = online, by a link or QR code
channel-issuance = from the issuer
history-unknown-party = an unidentified organisation
history-approved = On { $date }, { $party } received from you: { $items } ({ $channel }).
history-declined = On { $date }, you declined a request from { $party } ({ $channel }). Nothing was shared.
history-failed = On { $date }, a request from { $party } failed ({ $channel }). Nothing was shared.
history-cancelled = On { $date }, a request from { $party } was cancelled before you answered ({ $channel }). Nothing was shared.
history-issued = On { $date }, { $party } issued { $document } to this wallet.
history-refused = On { $date }, the wallet refused { $document } because it did not pass the wallet's checks.
history-registered = { $party } was registered with { $registrar } to { $purpose ->
    [right_to_work] check your right to work
    [benefits] check your benefits entitlement
    [age_check] check your age
   *[other] make this check
}.
history-not-registered = { $party } was not registered to { $purpose ->
    [right_to_work] check your right to work
    [benefits] check your benefits entitlement
    [age_check] check your age
   *[other] ask for this information
}.
history-unverified = { $party } sent a registration that could not be checked: { $reason ->
    [tampered] it had been altered
    [validity] it had expired or was not yet valid
    [unknown_registrar] it was not issued by a registrar the wallet trusts
    [not_issued_to_verifier] it was issued to another organisation
   *[malformed] it could not be read
}.
history-no-entitlement = { $party } was registered as { $name }, who have no power to demand your digital ID.

## Purpose-bound verifiers: the verifier's registration (crates/wallet/src/registration)

registration-registered = { $verifier } is registered with { $anchor } to { $purpose ->
    [right_to_work] check your right to work
    [benefits] check your benefits entitlement
    [age_check] check your age
   *[other] make this check
}.
registration-not-registered = This organisation is not registered to { $purpose ->
    [right_to_work] check your right to work
    [benefits] check your benefits entitlement
    [age_check] check your age
   *[other] ask for this information
}.
registration-unverified = This organisation sent a registration that could not be checked ({ $reason }). Treat it as not registered.
registration-no-entitlement = { $verifier } is registered as { $name }, who have no power to demand your digital ID. You do not have to share anything.
role-employer = an employer
role-benefits_authority = a benefits office
role-age_restricted_seller = a seller of age-restricted goods
role-landlord = a landlord
role-police = the police
finding-beyond_registration = This organisation is not registered to ask for this.
finding-role_may_not_demand = You do not have to share this: this organisation has no power to demand it.
