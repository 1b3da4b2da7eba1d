using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Warden.Server.Console;

/// <summary>
/// A form that fails antiforgery validation (no token, another browser's token, or one from before a restart) is
/// refused with 400 as before, but with a short page in the operator's language instead of an empty body.
/// </summary>
internal sealed class CsrfRefusal(ConsoleText text) : IAlwaysRunResultFilter
{
    public void OnResultExecuting(ResultExecutingContext context)
    {
        if (context.Result is not IAntiforgeryValidationFailedResult)
        {
            return;
        }

        var html = HtmlEncoder.Default;
        context.Result = new ContentResult
        {
            StatusCode = StatusCodes.Status400BadRequest,
            ContentType = "text/html; charset=utf-8",
            Content = $"""
                <!DOCTYPE html>
                <html lang="{html.Encode(text.Language)}">
                <head><meta charset="utf-8"><title>{html.Encode(text["Csrf.Title"])} · Warden</title><link rel="stylesheet" href="{ConsoleSetup.PathPrefix}/console.css"></head>
                <body><main id="main"><h1>{html.Encode(text["Csrf.Title"])}</h1><p role="alert">{html.Encode(text["Csrf.Message"])}</p><p><a href="{ConsoleSetup.PathPrefix}">{html.Encode(text["Csrf.Back"])}</a></p></main></body>
                </html>
                """,
        };
    }

    public void OnResultExecuted(ResultExecutedContext context)
    {
    }
}
