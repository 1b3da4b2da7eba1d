using System.Text.Json.Serialization;
using Warden.Core.Protection;

namespace Warden.Server.Residency;

/// <summary>The stored form of a rule's operator patterns (<c>residency_rules.patterns</c>): <c>[{"name":…,"pattern":…}]</c>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(List<CustomPersonalDataPattern>))]
internal sealed partial class ResidencyJson : JsonSerializerContext;
