# Citizen Wallet: pob testun y mae'r craidd yn ei ddangos i ddinasyddion, yn Gymraeg.
# (Every citizen-facing string, in Welsh. Same keys as en.ftl; see the notes there.)
# Terms from GOV.UK, HMRC, the Home Office's Welsh guidance and Citizens Advice Cymru where
# they could be confirmed; the rest are listed as unconfirmed in the README.

## Mathau o ddogfen

doc-mdl = Trwydded yrru
    .phrase = eich trwydded yrru
doc-pid = ID personol yr UE
    .phrase = eich ID personol yr UE
doc-ukid = ID digidol y DU
    .phrase = eich ID digidol y DU
doc-unknown = { $name }
    .phrase = eich dogfen { $name }

## org.iso.18013.5.1

iso-family_name = Cyfenw
iso-given_name = Enwau cyntaf
iso-birth_date = Dyddiad geni
iso-issue_date = Dyddiad cyhoeddi'r ddogfen
    .phrase = y dyddiad y cyhoeddwyd y ddogfen
iso-expiry_date = Dyddiad dod i ben y ddogfen
    .phrase = y dyddiad y daw'r ddogfen i ben
iso-issuing_country = Gwlad gyhoeddi
    .phrase = y wlad a gyhoeddodd y ddogfen
iso-issuing_authority = Awdurdod cyhoeddi
    .phrase = yr awdurdod a gyhoeddodd y ddogfen
iso-document_number = Rhif y ddogfen
    .phrase = rhif y ddogfen
iso-portrait = Llun
iso-driving_privileges = Hawliau gyrru
iso-un_distinguishing_sign = Arwydd gwahaniaethu'r Cenhedloedd Unedig
iso-administrative_number = Rhif gweinyddol
iso-sex = Rhyw
iso-height = Taldra (cm)
iso-weight = Pwysau (kg)
iso-eye_colour = Lliw llygaid
    .phrase = lliw eich llygaid
iso-hair_colour = Lliw gwallt
    .phrase = lliw eich gwallt
iso-birth_place = Man geni
iso-resident_address = Cyfeiriad cartref
iso-portrait_capture_date = Dyddiad tynnu'r llun
    .phrase = y dyddiad y tynnwyd eich llun
iso-age_in_years = Oed mewn blynyddoedd
    .phrase = eich oed mewn blynyddoedd
iso-age_birth_year = Blwyddyn geni
iso-age_over_NN = Dros oed penodol
    .phrase = a ydych dros oed penodol
iso-issuing_jurisdiction = Awdurdodaeth gyhoeddi
    .phrase = yr awdurdodaeth a gyhoeddodd y ddogfen
iso-nationality = Cenedligrwydd
iso-resident_city = Tref neu ddinas breswyl
    .phrase = y dref neu'r ddinas lle rydych yn byw
iso-resident_state = Talaith neu ranbarth preswyl
    .phrase = y dalaith neu'r rhanbarth lle rydych yn byw
iso-resident_postal_code = Cod post
iso-resident_country = Gwlad breswyl
    .phrase = y wlad lle rydych yn byw
iso-biometric_template_face = Templed biometrig o'r wyneb
    .phrase = templed biometrig o'ch wyneb
iso-biometric_template_finger = Templed olion bysedd
    .phrase = templed o'ch olion bysedd
iso-biometric_template_signature_sign = Templed llofnod
    .phrase = templed o'ch llofnod
iso-biometric_template_iris = Templed iris
    .phrase = templed o'ch iris
iso-family_name_national_character = Cyfenw (nodau cenedlaethol)
iso-given_name_national_character = Enwau cyntaf (nodau cenedlaethol)
iso-signature_usual_mark = Llofnod

## org.iso.18013.5.1.GB

gb-title = Teitl
gb-welsh_licence = Trwydded Gymraeg
    .phrase = a yw eich trwydded yn Gymraeg
gb-provisional_driving_privileges = Hawliau gyrru dros dro

## eu.europa.ec.eudi.pid.1

pid-family_name = Cyfenw
pid-given_name = Enwau cyntaf
pid-birth_date = Dyddiad geni
pid-age_over_NN = Dros oed penodol
    .phrase = a ydych dros oed penodol
pid-age_in_years = Oed mewn blynyddoedd
    .phrase = eich oed mewn blynyddoedd
pid-age_birth_year = Blwyddyn geni
pid-family_name_birth = Cyfenw adeg geni
pid-given_name_birth = Enwau cyntaf adeg geni
pid-place_of_birth = Man geni
pid-birth_place = Man geni
pid-birth_country = Gwlad geni
pid-birth_city = Tref neu ddinas geni
pid-resident_address = Cyfeiriad cartref
pid-resident_country = Gwlad breswyl
    .phrase = y wlad lle rydych yn byw
pid-resident_state = Talaith neu ranbarth preswyl
    .phrase = y dalaith neu'r rhanbarth lle rydych yn byw
pid-resident_city = Tref neu ddinas breswyl
    .phrase = y dref neu'r ddinas lle rydych yn byw
pid-resident_postal_code = Cod post
pid-resident_street = Stryd
    .phrase = y stryd lle rydych yn byw
pid-resident_house_number = Rhif y tŷ
    .phrase = rhif eich tŷ
pid-sex = Rhyw
pid-nationality = Cenedligrwydd
pid-issuance_date = Dyddiad cyhoeddi
    .phrase = y dyddiad y cyhoeddwyd eich ID
pid-expiry_date = Dyddiad dod i ben
    .phrase = y dyddiad y daw eich ID i ben
pid-issuing_authority = Awdurdod cyhoeddi
    .phrase = yr awdurdod a gyhoeddodd eich ID
pid-document_number = Rhif y ddogfen
    .phrase = rhif y ddogfen
pid-personal_administrative_number = Rhif gweinyddol personol
pid-issuing_country = Gwlad gyhoeddi
    .phrase = y wlad a gyhoeddodd eich ID
pid-issuing_jurisdiction = Awdurdodaeth gyhoeddi
    .phrase = yr awdurdodaeth a gyhoeddodd eich ID
pid-portrait = Llun
pid-email_address = Cyfeiriad e-bost
pid-mobile_phone_number = Rhif ffôn symudol

## uk.gov.digital-id.1

ukid-right_to_work = Hawl i weithio yn y DU
ukid-right_to_work_expiry = Dyddiad terfyn yr hawl i weithio
    .phrase = y dyddiad y daw eich hawl i weithio i ben
ukid-work_restrictions = Cyfyngiadau ar waith
    .phrase = unrhyw gyfyngiadau ar eich gwaith
ukid-max_weekly_hours = Uchafswm oriau gwaith yr wythnos
    .phrase = yr uchafswm oriau y cewch weithio bob wythnos
ukid-immigration_status = Statws mewnfudo
ukid-national_insurance_number = Rhif Yswiriant Gwladol

## Elfennau a wneir o werth

age-over = Dros { $age }
    .phrase = a ydych dros { $age } oed
item-your = eich { $label }

## Y dilysydd

verifier-unidentified = Sefydliad heb ei adnabod
trust-trusted = Wedi'i ddilysu (tystysgrif a gyhoeddwyd gan { $anchor })
trust-untrusted = Heb ei ddilysu: { $reason }
trust-not-authenticated = Ni ddywedodd pwy ydyw

## Dibenion

purpose-right_to_work = Gwiriad hawl i weithio
purpose-benefits = Gwiriad budd-daliadau
purpose-age_check = Gwiriad oedran (dros { $age })
purpose-none = Dim diben cydnabyddedig
purpose-declared = wedi'i ddatgan gan y dilysydd
purpose-inferred = wedi'i gasglu o'r cais

## Cadw

retention-kept = Byddant yn cadw hyn
retention-view-only = Gweld yn unig

## Canfyddiadau lleihau data

finding-not_in_profile = { $purpose ->
    [right_to_work] Nid oes angen hyn ar gyfer gwiriad hawl i weithio.
    [benefits] Nid oes angen hyn ar gyfer gwiriad budd-daliadau.
   *[age_check] Nid oes angen hyn ar gyfer gwiriad oedran.
}
finding-age_would_do = Gofynnir am eich union oed lle byddai ateb ie neu na i "a ydych dros yr oed?" yn ddigon.
finding-retention_not_needed = { $purpose ->
    [right_to_work] Dim ond gweld hyn sydd ei angen ar gyfer gwiriad hawl i weithio, nid ei gadw.
    [benefits] Dim ond gweld hyn sydd ei angen ar gyfer gwiriad budd-daliadau, nid ei gadw.
   *[age_check] Dim ond gweld hyn sydd ei angen ar gyfer gwiriad oedran, nid ei gadw.
}
finding-condition_not_met = Dim ond ar gyfer pobl nad ydynt yn ddinasyddion Prydeinig neu Wyddelig y mae angen hyn.
finding-no_purpose = Nid oes diben cofrestredig sy'n cwmpasu'r cais hwn.
finding-no_purpose-sensitive = Nid oes diben cofrestredig sy'n cwmpasu'r cais hwn, ac mae hon yn wybodaeth sensitif.
finding-excluded = { $purpose ->
    [right_to_work] Nid yw hyn yn rhan o wiriad hawl i weithio.
    [benefits] Nid yw hyn yn rhan o wiriad budd-daliadau.
   *[age_check] Nid yw hyn yn rhan o wiriad oedran.
}
finding-excluded-right_to_work-iso-resident_address = Nid oes angen eich cyfeiriad ar gyflogwr i wirio eich hawl i weithio.
finding-excluded-right_to_work-iso-resident_postal_code = Nid oes angen eich cod post ar gyflogwr i wirio eich hawl i weithio.
finding-excluded-right_to_work-iso-resident_city = Nid oes angen i gyflogwr wybod ble rydych yn byw i wirio eich hawl i weithio.
finding-excluded-right_to_work-ukid-national_insurance_number = Nid yw eich rhif Yswiriant Gwladol yn rhan o wiriad hawl i weithio.
finding-excluded-right_to_work-iso-driving_privileges = Nid yw hawliau gyrru yn rhan o wiriad hawl i weithio.
finding-excluded-benefits-iso-driving_privileges = Nid yw hawliau gyrru yn rhan o wiriad budd-daliadau.
finding-excluded-benefits-ukid-work_restrictions = Nid yw cyfyngiadau ar waith yn rhan o wiriad budd-daliadau.

## Fersiwn hygyrch: pob eitem fel brawddeg gyflawn

a11y-request = Mae { $verifier } yn gofyn am wybodaeth sydd yn { $document }.
a11y-trust-trusted = Mae hunaniaeth { $verifier } wedi'i gwirio: cyhoeddwyd y dystysgrif gan { $anchor }.
a11y-trust-untrusted = Rhybudd: nid oedd modd gwirio hunaniaeth { $verifier } ({ $reason }). Peidiwch â rhannu dim oni bai eich bod yn siŵr pwy sy'n gofyn.
a11y-trust-not-authenticated = Rhybudd: ni ddywedodd y dilysydd hwn pwy ydyw. Peidiwch â rhannu dim oni bai eich bod yn siŵr pwy sy'n gofyn.
a11y-purpose-declared = Y rheswm a roddir yw: { $purpose }.
a11y-purpose-inferred = Ni roddwyd rheswm. Mae'r cais yn edrych fel hyn: { $purpose }.
a11y-purpose-none = Ni roddwyd rheswm, ac nid yw'r cais yn cyfateb i unrhyw ddiben cofrestredig.
a11y-shared-kept = Bydd { $verifier } yn cael { $item } a bydd yn cadw'r wybodaeth hon.
a11y-shared-view = Bydd { $verifier } yn gweld { $item }, ac mae'n dweud na fydd yn cadw'r wybodaeth hon.
a11y-substitute = Yn lle { $requested }, rhennir { $item }.
a11y-not-held = Nid oes gan y waled hon { $item }, felly does dim modd rhannu hyn.
a11y-sensitive = Mae hon yn wybodaeth sensitif.
a11y-finding = Rhybudd: { $explanation }
a11y-recommended = Mae'r waled yn awgrymu eich bod yn rhannu hyn.
a11y-not-recommended = Mae'r waled yn awgrymu nad ydych yn rhannu hyn.
a11y-choice = Chi sy'n dewis beth i'w rannu. Ni fydd dim yn cael ei rannu nes i chi gytuno.

## Hanes rhannu (un frawddeg i bob cofnod)

month-1 = Ionawr
month-2 = Chwefror
month-3 = Mawrth
month-4 = Ebrill
month-5 = Mai
month-6 = Mehefin
month-7 = Gorffennaf
month-8 = Awst
month-9 = Medi
month-10 = Hydref
month-11 = Tachwedd
month-12 = Rhagfyr
date = { $day } { $month } { $year }
channel-proximity = wyneb yn wyneb, drwy god QR
channel-dc_api = ar-lein, drwy eich porwr
channel-openid4vp_dc_api = ar-lein, drwy eich porwr
channel-openid4vp_redirect = ar-lein, drwy ddolen neu god QR
channel-issuance = gan y cyhoeddwr
history-unknown-party = sefydliad heb ei adnabod
history-approved = Ar { $date }, cafodd { $party } y canlynol gennych: { $items } ({ $channel }).
history-declined = Ar { $date }, gwnaethoch wrthod cais gan { $party } ({ $channel }). Ni rannwyd dim.
history-failed = Ar { $date }, methodd cais gan { $party } ({ $channel }). Ni rannwyd dim.
history-cancelled = Ar { $date }, cafodd cais gan { $party } ei ganslo cyn i chi ateb ({ $channel }). Ni rannwyd dim.
history-issued = Ar { $date }, cyhoeddodd { $party } { $document } i'r waled hon.
history-refused = Ar { $date }, gwrthododd y waled { $document } am nad oedd yn bodloni gwiriadau'r waled.
history-registered = Roedd { $party } wedi'i gofrestru gyda { $registrar } i { $purpose ->
    [right_to_work] wirio eich hawl i weithio
    [benefits] wirio eich hawl i gael budd-daliadau
    [age_check] wirio eich oedran
   *[other] wneud y gwiriad hwn
}.
history-not-registered = Nid oedd { $party } wedi'i gofrestru i { $purpose ->
    [right_to_work] wirio eich hawl i weithio
    [benefits] wirio eich hawl i gael budd-daliadau
    [age_check] wirio eich oedran
   *[other] ofyn am yr wybodaeth hon
}.
history-unverified = Anfonodd { $party } gofrestriad nad oedd modd ei wirio: { $reason ->
    [tampered] roedd wedi'i newid
    [validity] roedd wedi dod i ben neu nid oedd yn ddilys eto
    [unknown_registrar] nid oedd wedi'i gyhoeddi gan gofrestrydd y mae'r waled yn ymddiried ynddo
    [not_issued_to_verifier] roedd wedi'i gyhoeddi i sefydliad arall
   *[malformed] nid oedd modd ei ddarllen
}.
history-no-entitlement = Roedd { $party } wedi'i gofrestru fel { $name }, sydd heb bŵer i fynnu eich ID digidol.

## Dilyswyr sy'n gysylltiedig â diben: cofrestriad y dilysydd

registration-registered = Mae { $verifier } wedi'i gofrestru gyda { $anchor } i { $purpose ->
    [right_to_work] wirio eich hawl i weithio
    [benefits] wirio eich hawl i gael budd-daliadau
    [age_check] wirio eich oedran
   *[other] wneud y gwiriad hwn
}.
registration-not-registered = Nid yw'r sefydliad hwn wedi'i gofrestru i { $purpose ->
    [right_to_work] wirio eich hawl i weithio
    [benefits] wirio eich hawl i gael budd-daliadau
    [age_check] wirio eich oedran
   *[other] ofyn am yr wybodaeth hon
}.
registration-unverified = Anfonodd y sefydliad hwn gofrestriad nad oedd modd ei wirio ({ $reason }). Ystyriwch nad yw wedi'i gofrestru.
registration-no-entitlement = Mae { $verifier } wedi'i gofrestru fel { $name }, sydd heb bŵer i fynnu eich ID digidol. Nid oes rhaid i chi rannu dim.
role-employer = cyflogwr
role-benefits_authority = swyddfa budd-daliadau
role-age_restricted_seller = gwerthwr nwyddau â chyfyngiad oedran
role-landlord = landlord
role-police = yr heddlu
finding-beyond_registration = Nid yw'r sefydliad hwn wedi'i gofrestru i ofyn am hyn.
finding-role_may_not_demand = Nid oes rhaid i chi rannu hwn: nid oes gan y sefydliad hwn bŵer i'w fynnu.
