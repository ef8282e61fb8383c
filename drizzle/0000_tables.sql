CREATE TABLE "tickers" (
	"ticker" varchar(20) NOT NULL,
	"region" varchar(5) NOT NULL,
	"market" varchar(20),
	"sector" varchar(50),
	"industry" varchar(100),
	"market_cap" bigint,
	"listed_date" date,
	"delisted_date" date,
	"is_active" boolean DEFAULT true,
	"last_updated" timestamp with time zone DEFAULT now(),
	"metadata" jsonb,
	CONSTRAINT "tickers_pkey" PRIMARY KEY("ticker","region")
);
--> statement-breakpoint
CREATE TABLE "ohlcv_data" (
	"ticker" varchar(20) NOT NULL,
	"region" varchar(5) NOT NULL,
	"date" date NOT NULL,
	"timeframe" varchar(10) DEFAULT 'daily' NOT NULL,
	"open" numeric(18, 4),
	"high" numeric(18, 4),
	"low" numeric(18, 4),
	"close" numeric(18, 4),
	"volume" bigint,
	"adjusted_close" numeric(18, 4),
	"ma5" numeric(18, 4),
	"ma20" numeric(18, 4),
	"ma60" numeric(18, 4),
	"ma120" numeric(18, 4),
	"ma200" numeric(18, 4),
	"rsi" numeric(8, 4),
	"macd" numeric(18, 4),
	"macd_signal" numeric(18, 4),
	"bb_upper" numeric(18, 4),
	"bb_middle" numeric(18, 4),
	"bb_lower" numeric(18, 4),
	"atr" numeric(18, 4),
	"last_updated" timestamp with time zone DEFAULT now(),
	CONSTRAINT "ohlcv_data_pkey" PRIMARY KEY("ticker","region","date","timeframe"),
	CONSTRAINT "chk_ohlcv_high_low" CHECK (high >= low),
	CONSTRAINT "chk_ohlcv_high_open" CHECK (high >= open),
	CONSTRAINT "chk_ohlcv_high_close" CHECK (high >= close),
	CONSTRAINT "chk_ohlcv_low_open" CHECK (low <= open),
	CONSTRAINT "chk_ohlcv_low_close" CHECK (low <= close),
	CONSTRAINT "chk_ohlcv_volume" CHECK (volume >= 0)
);
--> statement-breakpoint
CREATE TABLE "factor_scores" (
	"ticker" varchar(20) NOT NULL,
	"region" varchar(5) NOT NULL,
	"calculation_date" date NOT NULL,
	"market_regime_score" numeric(5, 2),
	"volume_profile_score" numeric(5, 2),
	"price_action_score" numeric(5, 2),
	"layer1_total" numeric(5, 2),
	"stage_analysis_score" numeric(5, 2),
	"moving_average_score" numeric(5, 2),
	"relative_strength_score" numeric(5, 2),
	"layer2_total" numeric(5, 2),
	"pattern_recognition_score" numeric(5, 2),
	"volume_spike_score" numeric(5, 2),
	"momentum_score" numeric(5, 2),
	"layer3_total" numeric(5, 2),
	"total_score" numeric(5, 2),
	"signal" varchar(10),
	"pe_ratio" numeric(10, 4),
	"pb_ratio" numeric(10, 4),
	"momentum_12m" numeric(10, 4),
	"rsi_factor" numeric(10, 4),
	"roe" numeric(10, 4),
	"debt_equity" numeric(10, 4),
	"volatility_factor" numeric(10, 4),
	"market_cap_factor" numeric(10, 4),
	"calculation_metadata" jsonb,
	"last_updated" timestamp with time zone DEFAULT now(),
	CONSTRAINT "factor_scores_pkey" PRIMARY KEY("ticker","region","calculation_date"),
	CONSTRAINT "chk_factor_total_score" CHECK (ABS(total_score - (layer1_total + layer2_total + layer3_total)) < 0.01)
);
--> statement-breakpoint
CREATE TABLE "backtest_results" (
	"backtest_id" serial NOT NULL,
	"strategy_name" varchar(100) NOT NULL,
	"region" varchar(5) NOT NULL,
	"simulation_date" timestamp with time zone NOT NULL,
	"start_date" date NOT NULL,
	"end_date" date NOT NULL,
	"initial_capital" numeric(18, 2),
	"final_capital" numeric(18, 2),
	"total_return" numeric(10, 6),
	"annual_return" numeric(10, 6),
	"sharpe_ratio" numeric(10, 4),
	"sortino_ratio" numeric(10, 4),
	"max_drawdown" numeric(10, 6),
	"win_rate" numeric(10, 6),
	"total_trades" integer,
	"winning_trades" integer,
	"losing_trades" integer,
	"avg_win" numeric(18, 4),
	"avg_loss" numeric(18, 4),
	"strategy_params" jsonb,
	"rebalance_frequency" varchar(20),
	"transaction_cost_bps" numeric(6, 2),
	"trades" jsonb,
	"last_updated" timestamp with time zone DEFAULT now(),
	CONSTRAINT "backtest_results_pkey" PRIMARY KEY("backtest_id","simulation_date")
);
--> statement-breakpoint
CREATE TABLE "portfolio" (
	"portfolio_id" serial PRIMARY KEY NOT NULL,
	"ticker" varchar(20) NOT NULL,
	"region" varchar(5) NOT NULL,
	"quantity" integer NOT NULL,
	"avg_buy_price" numeric(18, 4) NOT NULL,
	"current_price" numeric(18, 4),
	"unrealized_pnl" numeric(18, 4),
	"unrealized_pnl_pct" numeric(10, 6),
	"position_value" numeric(18, 2),
	"weight" numeric(10, 6),
	"stop_loss_price" numeric(18, 4),
	"take_profit_price" numeric(18, 4),
	"trailing_stop_distance" numeric(10, 6),
	"entry_date" date NOT NULL,
	"entry_signal" varchar(50),
	"last_rebalance_date" date,
	"notes" text,
	"last_updated" timestamp with time zone DEFAULT now(),
	CONSTRAINT "portfolio_ticker_region_key" UNIQUE("ticker","region"),
	CONSTRAINT "chk_portfolio_quantity" CHECK (quantity > 0)
);
--> statement-breakpoint
CREATE TABLE "trades" (
	"trade_id" serial PRIMARY KEY NOT NULL,
	"ticker" varchar(20) NOT NULL,
	"region" varchar(5) NOT NULL,
	"trade_date" date NOT NULL,
	"trade_type" varchar(10) NOT NULL,
	"quantity" integer NOT NULL,
	"price" numeric(18, 4) NOT NULL,
	"total_amount" numeric(18, 2) NOT NULL,
	"commission" numeric(18, 4),
	"slippage_bps" numeric(6, 2),
	"strategy_name" varchar(100),
	"signal_source" varchar(50),
	"entry_reason" text,
	"realized_pnl" numeric(18, 4),
	"realized_pnl_pct" numeric(10, 6),
	"hold_days" integer,
	"order_id" varchar(50),
	"execution_timestamp" timestamp with time zone DEFAULT now(),
	"notes" text,
	"last_updated" timestamp with time zone DEFAULT now(),
	CONSTRAINT "chk_trades_quantity" CHECK (quantity > 0),
	CONSTRAINT "chk_trades_price" CHECK (price > 0)
);
--> statement-breakpoint
CREATE TABLE "portfolio_snapshots" (
	"snapshot_date" date NOT NULL,
	"total_value" numeric(18, 2) NOT NULL,
	"cash" numeric(18, 2) NOT NULL,
	"invested_value" numeric(18, 2) NOT NULL,
	"unrealized_pnl" numeric(18, 4),
	"daily_return" numeric(10, 6),
	"cumulative_return" numeric(10, 6),
	"positions" jsonb,
	"sector_exposures" jsonb,
	"region_exposures" jsonb,
	"last_updated" timestamp with time zone DEFAULT now(),
	CONSTRAINT "portfolio_snapshots_pkey" PRIMARY KEY("snapshot_date")
);
--> statement-breakpoint
CREATE TABLE "api_logs" (
	"log_id" serial NOT NULL,
	"timestamp" timestamp with time zone DEFAULT now() NOT NULL,
	"api_endpoint" varchar(200) NOT NULL,
	"region" varchar(5),
	"request_params" jsonb,
	"response_status" integer,
	"response_time_ms" integer,
	"error_message" text,
	"success" boolean,
	"last_updated" timestamp with time zone DEFAULT now(),
	CONSTRAINT "api_logs_pkey" PRIMARY KEY("log_id","timestamp")
);
--> statement-breakpoint
CREATE TABLE "system_logs" (
	"log_id" serial NOT NULL,
	"timestamp" timestamp with time zone DEFAULT now() NOT NULL,
	"log_level" varchar(20) NOT NULL,
	"module" varchar(100),
	"message" text NOT NULL,
	"exception_type" varchar(100),
	"stack_trace" text,
	"context" jsonb,
	"last_updated" timestamp with time zone DEFAULT now(),
	CONSTRAINT "system_logs_pkey" PRIMARY KEY("log_id","timestamp")
);
--> statement-breakpoint
ALTER TABLE "factor_scores" ADD CONSTRAINT "fk_factor_scores_ticker" FOREIGN KEY ("ticker","region") REFERENCES "public"."tickers"("ticker","region") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portfolio" ADD CONSTRAINT "fk_portfolio_ticker" FOREIGN KEY ("ticker","region") REFERENCES "public"."tickers"("ticker","region") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trades" ADD CONSTRAINT "fk_trades_ticker" FOREIGN KEY ("ticker","region") REFERENCES "public"."tickers"("ticker","region") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_tickers_region" ON "tickers" USING btree ("region");--> statement-breakpoint
CREATE INDEX "idx_tickers_sector" ON "tickers" USING btree ("sector");--> statement-breakpoint
CREATE INDEX "idx_tickers_market_cap" ON "tickers" USING btree ("market_cap" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_tickers_is_active" ON "tickers" USING btree ("is_active") WHERE is_active = TRUE;--> statement-breakpoint
CREATE INDEX "idx_tickers_metadata" ON "tickers" USING gin ("metadata");--> statement-breakpoint
CREATE INDEX "idx_tickers_active_by_sector" ON "tickers" USING btree ("sector","market_cap" DESC NULLS FIRST) WHERE is_active = TRUE;--> statement-breakpoint
CREATE INDEX "idx_ohlcv_ticker_region" ON "ohlcv_data" USING btree ("ticker","region","date" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_ohlcv_region_date" ON "ohlcv_data" USING btree ("region","date" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_ohlcv_date" ON "ohlcv_data" USING btree ("date" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_factor_ticker_date" ON "factor_scores" USING btree ("ticker","region","calculation_date" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_factor_date_signal" ON "factor_scores" USING btree ("calculation_date" DESC NULLS FIRST,"signal");--> statement-breakpoint
CREATE INDEX "idx_factor_total_score" ON "factor_scores" USING btree ("total_score" DESC NULLS FIRST) WHERE signal = 'BUY';--> statement-breakpoint
CREATE INDEX "idx_factor_metadata" ON "factor_scores" USING gin ("calculation_metadata");--> statement-breakpoint
CREATE INDEX "idx_factor_buy_signals" ON "factor_scores" USING btree ("calculation_date" DESC NULLS FIRST,"total_score" DESC NULLS FIRST) WHERE signal = 'BUY';--> statement-breakpoint
CREATE INDEX "idx_backtest_strategy" ON "backtest_results" USING btree ("strategy_name","region","simulation_date" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_backtest_sharpe" ON "backtest_results" USING btree ("sharpe_ratio" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_backtest_params" ON "backtest_results" USING gin ("strategy_params");--> statement-breakpoint
CREATE INDEX "idx_portfolio_region" ON "portfolio" USING btree ("region");--> statement-breakpoint
CREATE INDEX "idx_portfolio_weight" ON "portfolio" USING btree ("weight" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_portfolio_pnl" ON "portfolio" USING btree ("unrealized_pnl_pct" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_portfolio_open_positions" ON "portfolio" USING btree ("ticker","region","weight" DESC NULLS FIRST) WHERE quantity > 0;--> statement-breakpoint
CREATE INDEX "idx_trades_ticker_region" ON "trades" USING btree ("ticker","region","trade_date" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_trades_date" ON "trades" USING btree ("trade_date" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_trades_type" ON "trades" USING btree ("trade_type");--> statement-breakpoint
CREATE INDEX "idx_trades_strategy" ON "trades" USING btree ("strategy_name");--> statement-breakpoint
CREATE INDEX "idx_portfolio_snapshots_date" ON "portfolio_snapshots" USING btree ("snapshot_date" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_api_logs_timestamp" ON "api_logs" USING btree ("timestamp" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_api_logs_endpoint" ON "api_logs" USING btree ("api_endpoint");--> statement-breakpoint
CREATE INDEX "idx_api_logs_success" ON "api_logs" USING btree ("success") WHERE success = FALSE;--> statement-breakpoint
CREATE INDEX "idx_api_logs_failures" ON "api_logs" USING btree ("timestamp" DESC NULLS FIRST,"api_endpoint") WHERE success = FALSE;--> statement-breakpoint
CREATE INDEX "idx_system_logs_timestamp" ON "system_logs" USING btree ("timestamp" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_system_logs_level" ON "system_logs" USING btree ("log_level") WHERE log_level IN ('ERROR', 'CRITICAL');--> statement-breakpoint
CREATE INDEX "idx_system_logs_module" ON "system_logs" USING btree ("module");--> statement-breakpoint
CREATE INDEX "idx_system_logs_errors" ON "system_logs" USING btree ("timestamp" DESC NULLS FIRST,"module") WHERE log_level IN ('ERROR', 'CRITICAL');