"""``grader serve``: a local web app where instructors read the class summary and each student's feedback,
and review written answers one at a time.

Everything it shows is computed from the gradebook on each request (reviews
applied), so a review saved here, by ``grader review`` or by another reviewer
shows at once on every page and in the CSV export. The pieces: ``guard``
(the access token and CSRF token), ``queue`` (which answers, in what order,
how far along), ``answer_html`` (student Markdown made safe), ``store``
(reports cached between grades), ``refresh`` (the files in the output folder
kept in step), ``pages`` (the Starlette app) and ``cli`` (the command).
"""
