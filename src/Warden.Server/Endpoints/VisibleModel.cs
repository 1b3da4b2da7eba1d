using Warden.Server.Routing;

namespace Warden.Server.Endpoints;

/// <summary>A model a key may use: a served model or a declared alias (then <paramref name="Alias"/> names its target), with a channel that serves it.</summary>
internal sealed record VisibleModel(string Model, RouteTarget Target, ModelAlias? Alias);
