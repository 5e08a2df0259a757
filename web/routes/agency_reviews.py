"""The agency's reviews: what firms said about its visits (newest first), each answered once."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.pages import CsrfChecked, Form, mutate, query, read_form, redirect, render, require
from web.session import SessionUser

router = APIRouter(prefix="/agency", dependencies=[CsrfChecked])
Agency = Depends(require("AGENCY"))

REVIEWS = """
query OwnReviews($id: ID!, $after: String, $first: Int) {
  agency(id: $id) { id name rating ratingCount }
  reviews(agencyId: $id, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id rating text createdAt reply repliedAt }
  }
}"""

REPLY = """
mutation Reply($id: ID!, $text: String!) {
  replyToReview(reviewId: $id, text: $text) { __typename ... on Review { id reply }
    ... on OperationError { code message field } }
}"""


async def _reviews_page(request: Request, user: SessionUser, after: str = "", form: Form | None = None,
                        error_review: str = "") -> Response:
    data = (await query(request, REVIEWS, {"id": user.org_id, "after": after or None,
                                           "first": request.app.state.settings.page_size})).data
    return render(request, "agency/reviews.html", {
        "agency": data.get("agency"), "reviews": data.get("reviews"), "replying": True, "form": form or Form(),
        "error_review": error_review}, status_code=400 if error_review else 200)


@router.get("/reviews")
async def own_reviews(request: Request, user: SessionUser = Agency, after: str = "") -> Response:
    return await _reviews_page(request, user, after)


@router.post("/reviews/{review_id}/reply")
async def reply(request: Request, review_id: str, user: SessionUser = Agency) -> Response:
    form = await read_form(request)
    if not form.value("text"):
        form.add("text", "请填写回复内容。")
    elif len(form.value("text")) > 4000:
        form.add("text", "回复不超过 4000 字。")
    if form.ok:
        _, error = await mutate(request, REPLY, {"id": review_id, "text": form.value("text")}, "replyToReview")
        if error is None:
            return redirect("/agency/reviews", "review_replied")
        if error.code == "CONFLICT":
            form.add(None, "该评价已回复过，每条评价只能回复一次。")
        else:
            form.from_operation_error(error)
            if form.ok:  # an error naming no field of this form
                form.add(None, error.message)
    return await _reviews_page(request, user, form=form, error_review=review_id)
