CREATE TABLE "ohlcv_indicator_state" (
	"ticker" varchar(20) NOT NULL,
	"region" varchar(5) NOT NULL,
	"timeframe" varchar(10) NOT NULL,
	"date" date NOT NULL,
	"bars" integer NOT NULL,
	"high" double precision,
	"low" double precision,
	"close" double precision,
	"recursions" "bytea" NOT NULL,
	"closes" "bytea" NOT NULL,
	"fingerprint" bigint,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ohlcv_indicator_state_pkey" PRIMARY KEY("ticker","region","timeframe","date")
);
