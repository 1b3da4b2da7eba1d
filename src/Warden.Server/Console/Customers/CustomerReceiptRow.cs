namespace Warden.Server.Console.Customers;

/// <summary>One line of a customer's receipt list: the request, when, the model asked and served, and what it cost.</summary>
internal sealed record CustomerReceiptRow(string RequestId, DateTimeOffset CreatedAt, string? RequestedModel, string? ServedModel, long? CostMicros, string? Currency);
