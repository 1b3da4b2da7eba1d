using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Warden.Server.Trust;

namespace Warden.Server.Console.Customers;

/// <summary>
/// Customer pages need a live customer session, and their handlers run as <c>customer:&lt;name&gt;</c>, so a key a
/// customer creates or revokes is attributed to them in the transparency log. Operator pages are guarded by
/// <see cref="ConsoleAuthFilter"/>, which leaves customer pages to this filter.
/// </summary>
internal sealed class CustomerAuthFilter(CustomerSessions sessions) : IAsyncPageFilter
{
    public const string LoginPath = ConsoleSetup.PathPrefix + "/my/login";

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var type = context.ActionDescriptor.ModelTypeInfo;
        if (type?.GetCustomAttribute<CustomerPageAttribute>() is null)
        {
            await next();
            return;
        }

        var session = sessions.Find(context.HttpContext);
        if (session is not null)
        {
            context.HttpContext.Items[typeof(CustomerSession)] = session;
        }

        if (type.GetCustomAttribute<ConsoleAnonymousAttribute>() is not null)
        {
            await next();
            return;
        }

        if (session is null)
        {
            context.Result = new RedirectResult(LoginPath);
            return;
        }

        using (ConfigActor.Use(session.Account.Actor))
        {
            await next();
        }
    }
}
