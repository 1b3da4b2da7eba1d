using Microsoft.AspNetCore.Mvc;
using Warden.Server.Hosting;

namespace Warden.Server.Console.Customers;

/// <summary>
/// The console's customer side under <c>/console/my</c> (docs/console.md, "The customer side"): accounts, sessions,
/// their filter, and the one script of the console, the receipt verifier, served from the assembly.
/// </summary>
internal static class CustomerSetup
{
    public const string ScriptPath = ConsoleSetup.PathPrefix + "/my/verify.js";

    /// <summary>
    /// The verify page's policy: the console's, except that the page's own script file may run and fetch from this
    /// origin (the receipt, JWKS, checkpoint, log key and proof). Still no inline script, no eval, nothing from elsewhere.
    /// </summary>
    public const string VerifyContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static void Add(IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var data = sp.GetRequiredService<DataFolder>();
            return new CustomerAccountStore(data.Database, data.Ring, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<CustomerSessions>();
        services.AddSingleton<CustomerLoginThrottle>();
        services.AddSingleton(sp => new CustomerReceipts(sp.GetRequiredService<DataFolder>().Database));
        services.Configure<MvcOptions>(o => o.Filters.Add<CustomerAuthFilter>());
    }

    public static void Map(WebApplication app) =>
        app.MapGet(ScriptPath, () => Results.Bytes(Script.Value, "text/javascript; charset=utf-8"));

    private static readonly Lazy<byte[]> Script = new(() =>
    {
        using var stream = typeof(CustomerSetup).Assembly.GetManifestResourceStream("Warden.Server.Console.Customers.verify.js")
            ?? throw new InvalidOperationException("The receipt verifier script is not embedded.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    });
}
