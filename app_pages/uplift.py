"""Whom the campaign keeps: the campaign test read customer by customer, the effect by band of
risk, and a list of the customers the offer changes."""

import streamlit as st

from storytelling.data import DataError
from storytelling.export.tables import to_csv_bytes, to_xlsx_bytes
from storytelling.story import md_escape
from storytelling.ui import render
from storytelling.ui.caches import cached_ab_table
from storytelling.ui.session import analysis
from storytelling.ui.sidebar import context
from storytelling.uplift_findings import band_table, contact_table

ctx = context()
render.page_header(ctx, "Whom the campaign keeps", "Some customers leave whatever we do, some stay anyway, and a "
                   "few leave because we called. The campaign test shows whom a call changes.")
up = st.file_uploader("The test's results, one row per customer: customer id (or the customer's columns), group "
                      "(control / test) and churned (yes / no)", type=["csv", "txt", "xlsx", "parquet"],
                      key="uplift_upload")
if up is not None:
    options = {"table": cached_ab_table(up.file_id, up.getvalue(), up.name)}
elif ctx.source.campaign_table() is not None:
    st.caption("Showing the sample campaign test (sample_data/ab_test_results.csv) until you upload yours.")
    options = {"data": True}
else:
    st.info("Upload the campaign test's results to see whom the call keeps.", icon=":material/upload_file:")
    st.stop()
try:
    with st.spinner("Reading the test customer by customer (once per test)…"):
        result, findings = analysis(ctx, "uplift", options)
except DataError as exc:
    render.error(str(exc))
    st.stop()

main = findings[0]
render.finding(main, ctx.audience, level=3)
st.dataframe(band_table(result.risk_bands).rename(columns={
    "band": "Band of risk", "kept": "Kept per 100 called", "low": "Range from", "high": "Range to",
    "customers": "Customers in the test"}).round(1), hide_index=True, width="stretch")
for f in findings[1:]:
    render.finding(f, ctx.audience, level=3)
if result.today is not None:
    st.subheader("Whom to call first")
    names = dict(result.names)
    table = contact_table(result, names)
    proven = result.compare is not None and result.compare.verdict == "more"
    st.caption(md_escape(f"Today's {len(table):,} customers, the ones a call is expected to keep first. An estimate "
                         "from one test: confirm it before relying on it." if proven else
                         f"Today's {len(table):,} customers in the order the test suggests. The test does not show "
                         "that this order keeps more than the order by risk: use it to plan the next test, not to "
                         "pick whom to call."))
    st.dataframe(table.head(200), hide_index=True, width="stretch")
    c1, c2, _ = st.columns([1, 1, 2])
    c1.download_button("List by expected effect (Excel)", lambda: to_xlsx_bytes(contact_table(result, names)),
                       "list-by-expected-effect.xlsx", icon=":material/download:", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    c2.download_button("List by expected effect (CSV)", lambda: to_csv_bytes(contact_table(result, names)),
                       "list-by-expected-effect.csv", mime="text/csv", icon=":material/download:", on_click="ignore")
