# frozen_string_literal: true

require "net/smtp"
require "logger"

# Sends order confirmations to customers.
class OrderMailer
  FROM = "orders@shop.example"

  def initialize(smtp_host: "127.0.0.1", logger: Logger.new($stderr))
    @smtp_host = smtp_host
    @logger = logger
  end

  def confirm(order)
    body = render(order)
    Net::SMTP.start(@smtp_host, 25) do |smtp|
      smtp.send_message(body, FROM, order.fetch(:email))
    end
    @logger.info("confirmation sent for order #{order.fetch(:id)}")
    true
  rescue Exception => e
    @logger.error("confirmation failed for order #{order.fetch(:id)}: #{e.message}")
    false
  end

  def confirm_all(orders)
    orders.count { |order| confirm(order) }
  end

  private

  # TODO: use the customer's locale for the currency format
  def render(order)
    total = order.fetch(:total_cents) / 100.0
    <<~MAIL
      From: #{FROM}
      To: #{order.fetch(:email)}
      Subject: Order #{order.fetch(:id)} confirmed

      Thank you! Your total is EUR #{format("%.2f", total)}.
    MAIL
  end
end
