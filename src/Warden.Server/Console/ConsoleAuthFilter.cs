using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Warden.Server.Trust;

namespace Warden.Server.Console;

/// <summary>
/// Every console page but sign-in needs a live session; its handlers run with the session's audit actor
/// (<c>console:&lt;user&gt;</c>), so a change made here is attributed in the transparency log the way the admin API's
/// are ("admin:&lt;key id&gt;"). Antiforgery validation (an authorization filter) has already run for posts.
/// </summary>
internal sealed class ConsoleAuthFilter(ConsoleSessions sessions) : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        // Customer pages have their own sessions and filter (Customers/CustomerAuthFilter).
        if (context.ActionDescriptor.ModelTypeInfo?.GetCustomAttribute<ConsoleAnonymousAttribute>() is not null
            || context.ActionDescriptor.ModelTypeInfo?.GetCustomAttribute<Customers.CustomerPageAttribute>() is not null)
        {
            await next();
            return;
        }

        if (sessions.Find(context.HttpContext) is not { } session)
        {
            context.Result = new RedirectResult(ConsoleSetup.PathPrefix + "/login");
            return;
        }

        context.HttpContext.Items[typeof(ConsoleSession)] = session;
        using (ConfigActor.Use(session.Actor))
        {
            await next();
        }
    }
}
