CREATE TABLE "watchlist" (
	"id" serial PRIMARY KEY NOT NULL,
	"ticker" varchar(20) NOT NULL,
	"region" varchar(5) NOT NULL,
	"note" text,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "watchlist" ADD CONSTRAINT "watchlist_ticker_fk" FOREIGN KEY ("ticker","region") REFERENCES "public"."tickers"("ticker","region") ON DELETE no action ON UPDATE no action;