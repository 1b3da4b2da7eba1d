namespace Warden.Server.Simulator;

/// <summary>The per-request id that ties the x-request-id header to the journal entry.</summary>
internal static class SimulatorRequestId
{
    public const string HeaderName = "x-request-id";

    private static readonly object ItemKey = new();

    /// <summary>Creates the id, stores it on the context and sets the response header before anything can be sent.</summary>
    public static string Assign(HttpContext context, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(time);

        // Version 7 keeps ids sortable by arrival while staying unique across simulator instances.
        var id = "simreq_" + Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
        context.Items[ItemKey] = id;
        context.Response.Headers[HeaderName] = id;
        return id;
    }

    public static string Get(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items[ItemKey] as string ?? throw new InvalidOperationException("The simulator request id was not assigned.");
    }
}
