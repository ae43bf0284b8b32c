"""A realistic 40-line workshop: pain points as five departments wrote them, and the duplicate groups a person
finds when reading them (written down before the grouping code existed)."""

# (stage, department, text)
PAIN_POINTS = [
    ("Awareness", "Marketing", "Pricing isn't on the website"),
    ("Awareness", "Sales", "Prices are hidden on the site, people have to ask sales"),
    ("Awareness", "Support", "customers can't find the pricing page"),
    ("Awareness", "Marketing", "Our ads promise features we don't have yet"),
    ("Awareness", "Product", "Ads overpromise features"),
    ("Awareness", "Sales", "Nobody has heard of us outside the UK"),
    ("Consideration", "Sales", "Demo slots are booked out for two weeks"),
    ("Consideration", "Marketing", "Waiting two weeks for a demo"),
    ("Consideration", "Support", "Demo booking takes too long"),
    ("Consideration", "Product", "The comparison table with competitors is outdated"),
    ("Consideration", "Marketing", "Competitor comparison page is out of date"),
    ("Consideration", "Sales", "No free trial"),
    ("Consideration", "Product", "There is no free trial to try it"),
    ("Consideration", "Support", "Case studies are all from big enterprises"),
    ("Decision", "Sales", "Card payment fails for EU customers"),
    ("Decision", "Support", "Payment with EU cards fails at checkout"),
    ("Decision", "Finance", "EU card payments fail without 3-D Secure"),
    ("Decision", "Sales", "Procurement needs a security questionnaire we don't have"),
    ("Decision", "Product", "Security questionnaire missing for procurement"),
    ("Decision", "Marketing", "Contract terms are hard to understand"),
    ("Decision", "Finance", "Invoices can't be paid by bank transfer"),
    ("Retention", "Support", "Onboarding emails all arrive on the same day"),
    ("Retention", "Product", "All onboarding emails come at once"),
    ("Retention", "Support", "Support tickets take three days to get a reply"),
    ("Retention", "Sales", "Slow replies to support tickets"),
    ("Retention", "Marketing", "Ticket response time is three days"),
    ("Retention", "Product", "The mobile app crashes on Android 14"),
    ("Retention", "Support", "Android app keeps crashing"),
    ("Retention", "Finance", "Renewal invoices arrive without warning"),
    ("Loyalty", "Marketing", "No referral programme"),
    ("Loyalty", "Sales", "We have no referral programme for happy customers"),
    ("Loyalty", "Support", "Customers don't know about new features"),
    ("Loyalty", "Product", "New features are never announced to customers"),
    ("Loyalty", "Finance", "Annual plan discount isn't offered at renewal"),
    ("Loyalty", "Marketing", "Community forum is empty"),
    ("Awareness", "Support", "Website is slow on mobile"),
    ("Decision", "Support", "Checkout asks for the VAT number twice"),
    ("Retention", "Marketing", "Users never finish setting up integrations"),
    ("Consideration", "Finance", "Pricing tiers are confusing"),
    ("Loyalty", "Support", "Cancelling requires emailing support"),
]

# Groups of indices into PAIN_POINTS that say the same thing; every other line stands alone.
EXPECTED_GROUPS = [
    {0, 1, 2},        # prices not visible on the site
    {3, 4},           # ads overpromise
    {6, 7, 8},        # waiting for a demo
    {9, 10},          # outdated comparison
    {11, 12},         # no free trial
    {14, 15, 16},     # EU card payments fail
    {17, 18},         # security questionnaire
    {21, 22},         # onboarding emails at once
    {23, 24, 25},     # slow ticket replies
    {26, 27},         # Android app crashes
    {29, 30},         # no referral programme
    {31, 32},         # new features not announced
]
